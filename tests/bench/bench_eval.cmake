# bench_eval: evaluating 1,000,000 scored pairs (metrics, ROC, AUC, EER, TAR@FAR, 10-fold) against
# a numpy sort-based ROC/AUC on the same scores (bench_eval.py, python3-numpy, via QProcess).
add_executable(bench_eval ${CMAKE_CURRENT_LIST_DIR}/bench_eval.cpp)
target_link_libraries(bench_eval PRIVATE facelab_eval facelab_warnings)
target_compile_definitions(bench_eval PRIVATE BENCH_EVAL_NUMPY="${CMAKE_CURRENT_LIST_DIR}/bench_eval.py")
