# bench_verification_bin: importing an InsightFace verification .bin (lfw.bin & co) into a project.
add_executable(bench_verification_bin ${CMAKE_CURRENT_LIST_DIR}/bench_verification_bin.cpp)
target_link_libraries(bench_verification_bin PRIVATE facelab_verification_bin facelab_warnings)
