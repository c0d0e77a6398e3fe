# bench_face: detection + landmarks + alignment time per photo on the six sample photos.
add_executable(bench_face ${CMAKE_CURRENT_LIST_DIR}/bench_face.cpp)
target_link_libraries(bench_face PRIVATE facelab_face facelab_warnings)
