#pragma once
// CRC-32 (zip's polynomial) over a byte range: zlib's when it was found, a table otherwise.
#include <cstddef>
#include <cstdint>

namespace facelab::nn::ckpt::detail {

uint32_t crc32Update(uint32_t crc, const void *data, size_t size);
inline uint32_t crc32(const void *data, size_t size) { return crc32Update(0, data, size); }

} // namespace facelab::nn::ckpt::detail
