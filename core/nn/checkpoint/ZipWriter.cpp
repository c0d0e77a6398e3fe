#include "nn/checkpoint/ZipWriter.h"

#include "nn/checkpoint/Crc32.h"

#include <stdexcept>

namespace facelab::nn::ckpt::detail {

namespace {

constexpr size_t kAlignment = 64;
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1; // 1980-01-01
constexpr uint16_t kVersion = 20;

void put16(std::string &o, uint32_t v)
{
    o.push_back(static_cast<char>(v & 0xff));
    o.push_back(static_cast<char>((v >> 8) & 0xff));
}
void put32(std::string &o, uint32_t v)
{
    put16(o, v & 0xffff);
    put16(o, v >> 16);
}

} // namespace

void ZipWriter::add(const std::string &name, std::string_view data)
{
    if (m_central.size() >= 0xffff || name.size() > 0xffff || data.size() >= 0xffffffffu ||
        m_out.size() + data.size() + name.size() + 30 + 2 * kAlignment >= 0xffffffffu)
        throw std::length_error("zip archive over 4 GiB or 65535 entries (ZIP64 is not written)");
    const uint32_t offset = static_cast<uint32_t>(m_out.size());
    const uint32_t crc = crc32(data.data(), data.size());
    // Data start = offset + 30 + name + extra; pad with an "FB" field so it lands on the alignment.
    const size_t start = offset + 30 + name.size() + 4;
    const size_t padding = (kAlignment - start % kAlignment) % kAlignment;
    put32(m_out, 0x04034b50);
    put16(m_out, kVersion);
    put16(m_out, 0);          // flags
    put16(m_out, 0);          // STORED
    put16(m_out, 0);          // time
    put16(m_out, kDosDate);
    put32(m_out, crc);
    put32(m_out, static_cast<uint32_t>(data.size()));
    put32(m_out, static_cast<uint32_t>(data.size()));
    put16(m_out, static_cast<uint32_t>(name.size()));
    put16(m_out, static_cast<uint32_t>(4 + padding));
    m_out += name;
    m_out += "FB";
    put16(m_out, static_cast<uint32_t>(padding));
    m_out.append(padding, 'Z');
    m_out.append(data.data(), data.size());
    m_central.push_back({name, crc, static_cast<uint32_t>(data.size()), offset});
}

std::string ZipWriter::finish()
{
    const uint32_t cdOffset = static_cast<uint32_t>(m_out.size());
    for (const auto &c : m_central) {
        put32(m_out, 0x02014b50);
        put16(m_out, kVersion);   // made by
        put16(m_out, kVersion);   // needed
        put16(m_out, 0);
        put16(m_out, 0);
        put16(m_out, 0);
        put16(m_out, kDosDate);
        put32(m_out, c.crc);
        put32(m_out, c.size);
        put32(m_out, c.size);
        put16(m_out, static_cast<uint32_t>(c.name.size()));
        put16(m_out, 0);          // extra
        put16(m_out, 0);          // comment
        put16(m_out, 0);          // disk
        put16(m_out, 0);          // internal attributes
        put32(m_out, 0);          // external attributes
        put32(m_out, c.offset);
        m_out += c.name;
    }
    const uint32_t cdSize = static_cast<uint32_t>(m_out.size() - cdOffset);
    put32(m_out, 0x06054b50);
    put16(m_out, 0);
    put16(m_out, 0);
    put16(m_out, static_cast<uint32_t>(m_central.size()));
    put16(m_out, static_cast<uint32_t>(m_central.size()));
    put32(m_out, cdSize);
    put32(m_out, cdOffset);
    put16(m_out, 0);
    m_central.clear();
    return std::move(m_out);
}

} // namespace facelab::nn::ckpt::detail
