# bench_embed: embeddings/s of fr_feature.onnx, LibTorch vs OpenCV dnn (a benchmark, not a test).
if(FACELAB_WITH_TORCH AND TARGET facelab_nn)
  add_executable(bench_embed ${CMAKE_CURRENT_LIST_DIR}/bench_embed.cpp)
  set_target_properties(bench_embed PROPERTIES AUTOMOC OFF)
  target_link_libraries(bench_embed PRIVATE facelab_nn ${TORCH_LIBRARIES} facelab_warnings)
  facelab_use_torch_pch(bench_embed)
endif()
