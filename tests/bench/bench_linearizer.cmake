# bench_linearizer: Linearizer surrogate training images/s, LinearizerTrainer (C++) vs the same
# modules and loop in PyTorch (bench_linearizer.py) in the same run, plus peak RSS of training on
# 10,000 images (a benchmark, not a test).
if(FACELAB_WITH_TORCH AND TARGET facelab_linearizer AND TARGET facelab_families)
  add_executable(bench_linearizer ${CMAKE_CURRENT_LIST_DIR}/bench_linearizer.cpp)
  set_target_properties(bench_linearizer PROPERTIES AUTOMOC OFF)
  target_link_libraries(bench_linearizer PRIVATE facelab_linearizer facelab_families ${TORCH_LIBRARIES}
                        opencv_imgcodecs facelab_warnings)
  target_compile_definitions(bench_linearizer PRIVATE BENCH_LINEARIZER_PY="${CMAKE_CURRENT_LIST_DIR}/bench_linearizer.py"
                            FACELAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  facelab_use_torch_pch(bench_linearizer)
endif()
