# bench_extract: FaceLab's embedding job against OpenCV dnn's raw inference rate, and the peak RSS
# of 'facelab embed' at two project sizes (a benchmark, not a test).
if(FACELAB_WITH_TORCH AND TARGET facelab_embedding AND TARGET facelab)
  add_executable(bench_extract ${CMAKE_CURRENT_LIST_DIR}/bench_extract.cpp)
  target_link_libraries(bench_extract PRIVATE facelab_embedding facelab_warnings)
  target_compile_definitions(bench_extract PRIVATE FACELAB_BIN="$<TARGET_FILE:facelab>")
  add_dependencies(bench_extract facelab)
endif()
