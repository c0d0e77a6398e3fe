# bench_mining: mining hard negatives over 50,000 synthetic 512-d embeddings of 500 identities,
# FAISS nearest neighbours (flat and IVF) against scoring every pair by brute force, same run.
add_executable(bench_mining ${CMAKE_CURRENT_LIST_DIR}/bench_mining.cpp)
target_link_libraries(bench_mining PRIVATE facelab_queue facelab_warnings)
if(TARGET OpenMP::OpenMP_CXX)
  target_link_libraries(bench_mining PRIVATE OpenMP::OpenMP_CXX)
endif()
