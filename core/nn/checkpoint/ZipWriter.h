#pragma once
// A zip writer for torch.save's layout: STORED entries whose data start on 64-byte boundaries (an
// "FB" padding extra field, as PyTorch's writer does), no ZIP64. Builds the archive in memory.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace facelab::nn::ckpt::detail {

class ZipWriter
{
public:
    // Throws std::length_error past the 4 GiB / 65535-entry limits of plain zip.
    void add(const std::string &name, std::string_view data);
    // Appends the central directory and returns the whole archive.
    std::string finish();

private:
    struct Central
    {
        std::string name;
        uint32_t crc, size, offset;
    };
    std::string m_out;
    std::vector<Central> m_central;
};

} // namespace facelab::nn::ckpt::detail
