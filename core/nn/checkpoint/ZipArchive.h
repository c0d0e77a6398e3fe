#pragma once
// A minimal, bounds-checked zip reader over bytes in memory: the central directory, STORED entries,
// and DEFLATE through zlib when it was found at build time. Encryption and multi-disk
// archives are refused; ZIP64 records (PyTorch always writes them) are read. Errors throw
// ModelError(label, problem).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace facelab::nn::ckpt::detail {

class ZipArchive
{
public:
    struct Entry
    {
        std::string name;
        uint16_t method = 0;          // 0 STORED, 8 DEFLATE
        uint32_t crc = 0;
        uint64_t compressedSize = 0;
        uint64_t size = 0;
        uint64_t localHeaderOffset = 0;
    };

    // `data` must outlive the archive.
    ZipArchive(std::string_view data, std::string label);

    const std::vector<Entry> &entries() const { return m_entries; }
    const Entry *find(const std::string &name) const;
    // The entry's bytes (CRC-checked). STORED entries are views into the archive's data;
    // deflated ones are inflated once and kept.
    std::string_view read(const Entry &e);

    // True when `data` starts like a zip archive.
    static bool looksLikeZip(std::string_view data);

private:
    [[noreturn]] void fail(const std::string &problem) const;

    std::string_view m_data;
    std::string m_label;
    std::vector<Entry> m_entries;
    std::map<std::string, size_t> m_byName;
    std::map<size_t, std::unique_ptr<std::string>> m_inflated;
};

} // namespace facelab::nn::ckpt::detail
