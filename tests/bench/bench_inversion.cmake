# bench_inversion: model inversion steps/s (core/inversion) for fr_feature and iResNet50 against the
# same loop in PyTorch (bench_inversion.py) in the same run (a benchmark, not a test).
if(FACELAB_WITH_TORCH AND TARGET facelab_inversion AND TARGET facelab_families)
  add_executable(bench_inversion ${CMAKE_CURRENT_LIST_DIR}/bench_inversion.cpp)
  set_target_properties(bench_inversion PROPERTIES AUTOMOC OFF)
  target_link_libraries(bench_inversion PRIVATE facelab_inversion facelab_families facelab_warnings)
  target_compile_definitions(bench_inversion PRIVATE BENCH_INVERSION_PY="${CMAKE_CURRENT_LIST_DIR}/bench_inversion.py")
endif()
