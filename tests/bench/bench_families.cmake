# bench_families: iResNet50 embeddings/s, FaceLab (Embedder and bare FaceNet) vs PyTorch eager
# (bench_families.py, python3-torch) in the same run, plus iResNet100 peak RSS (a benchmark, not a test).
if(FACELAB_WITH_TORCH AND TARGET facelab_families)
  add_executable(bench_families ${CMAKE_CURRENT_LIST_DIR}/bench_families.cpp)
  set_target_properties(bench_families PROPERTIES AUTOMOC OFF)
  target_link_libraries(bench_families PRIVATE facelab_families ${TORCH_LIBRARIES} facelab_warnings)
  target_compile_definitions(bench_families PRIVATE BENCH_FAMILIES_PY="${CMAKE_CURRENT_LIST_DIR}/bench_families.py")
  facelab_use_torch_pch(bench_families)
endif()
