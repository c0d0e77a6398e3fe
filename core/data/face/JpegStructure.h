#pragma once
// The completeness check of a JPEG byte stream, apart from any decoder: the import probe (Qt only,
// in the small facelab binary) and the face stage (OpenCV) refuse the same cut-short files.
#include <cstddef>
#include <string>

namespace facelab::face {

// Checks that a JPEG byte stream is complete: walks its marker segments and entropy-coded scans
// to the end-of-image marker. Returns an empty string when it is, else the problem in words.
// Bytes after the end-of-image marker (phone "motion photo" trailers) are allowed.
std::string jpegStructureProblem(const unsigned char *data, size_t size);

} // namespace facelab::face
