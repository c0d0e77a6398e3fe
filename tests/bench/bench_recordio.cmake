# bench_recordio: records/s read and decoded from an InsightFace RecordIO pack vs the same JPEGs as files.
add_executable(bench_recordio ${CMAKE_CURRENT_LIST_DIR}/bench_recordio.cpp)
target_include_directories(bench_recordio PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_compile_definitions(bench_recordio PRIVATE FACELAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_link_libraries(bench_recordio PRIVATE facelab_imaging opencv_imgcodecs facelab_warnings)
