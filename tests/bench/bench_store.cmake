# bench_store: verdict commit latency, import rate, and opening a 100,000-pair project.
add_executable(bench_store ${CMAKE_CURRENT_LIST_DIR}/bench_store.cpp)
target_include_directories(bench_store PRIVATE ${PROJECT_SOURCE_DIR}/tests)
find_package(SQLite3 REQUIRED)
target_link_libraries(bench_store PRIVATE facelab_data facelab_store SQLite::SQLite3 facelab_warnings)
