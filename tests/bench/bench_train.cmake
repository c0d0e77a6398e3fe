# bench_train: contrastive fine-tuning pairs/s of fr_feature, LibTorch C++ vs the same loop in
# PyTorch (bench_train.py) in the same run (a benchmark, not a test).
if(FACELAB_WITH_TORCH AND TARGET facelab_train)
  add_executable(bench_train ${CMAKE_CURRENT_LIST_DIR}/bench_train.cpp)
  set_target_properties(bench_train PROPERTIES AUTOMOC OFF)
  target_link_libraries(bench_train PRIVATE facelab_train facelab_families ${TORCH_LIBRARIES} facelab_warnings)
  target_compile_definitions(bench_train PRIVATE BENCH_TRAIN_PY="${CMAKE_CURRENT_LIST_DIR}/bench_train.py")
  facelab_use_torch_pch(bench_train)
endif()
