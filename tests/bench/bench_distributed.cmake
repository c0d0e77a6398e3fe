# bench_distributed: data-parallel fine-tuning and Linearizer images/s with 1 and 2 worker processes (c10d Gloo over
# 127.0.0.1) and the all-reduce time per MB of gradients (a benchmark, not a test).
if(FACELAB_WITH_TORCH AND TARGET facelab_distributed)
  add_executable(bench_distributed ${CMAKE_CURRENT_LIST_DIR}/bench_distributed.cpp)
  set_target_properties(bench_distributed PROPERTIES AUTOMOC OFF)
  target_link_libraries(bench_distributed PRIVATE facelab_distributed facelab_linearizer facelab_families ${TORCH_LIBRARIES} ${OpenCV_LIBS} facelab_warnings)
  target_include_directories(bench_distributed PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(bench_distributed PRIVATE FACELAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  facelab_use_torch_pch(bench_distributed)
endif()
