#include "nn/checkpoint/ZipArchive.h"

#include "nn/ModelError.h"
#include "nn/checkpoint/Crc32.h"

#ifdef FACELAB_CHECKPOINT_HAVE_ZLIB
#include <zlib.h>
#endif

#include <algorithm>

namespace facelab::nn::ckpt::detail {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr size_t kEndSize = 22;
constexpr size_t kCentralSize = 46;
constexpr size_t kLocalSize = 30;

uint16_t u16(std::string_view d, size_t at)
{
    return static_cast<uint16_t>(static_cast<uint8_t>(d[at]) | (static_cast<uint8_t>(d[at + 1]) << 8));
}
uint32_t u32(std::string_view d, size_t at) { return u16(d, at) | (static_cast<uint32_t>(u16(d, at + 2)) << 16); }
uint64_t u64(std::string_view d, size_t at) { return u32(d, at) | (static_cast<uint64_t>(u32(d, at + 4)) << 32); }

} // namespace

bool ZipArchive::looksLikeZip(std::string_view data)
{
    return data.size() >= 4 && (u32(data, 0) == kLocalSig || u32(data, 0) == kEndSig);
}

void ZipArchive::fail(const std::string &problem) const { throw ModelError(m_label, problem); }

ZipArchive::ZipArchive(std::string_view data, std::string label) : m_data(data), m_label(std::move(label))
{
    if (m_data.size() < kEndSize)
        fail("truncated zip archive (no end-of-central-directory record)");
    // The end record sits in the last 64 KiB + 22 bytes (its comment is at most 65535 bytes).
    size_t end = std::string_view::npos;
    const size_t lowest = m_data.size() > kEndSize + 0xffff ? m_data.size() - kEndSize - 0xffff : 0;
    for (size_t at = m_data.size() - kEndSize + 1; at-- > lowest;) {
        if (u32(m_data, at) == kEndSig && at + kEndSize + u16(m_data, at + 20) <= m_data.size()) {
            end = at;
            break;
        }
    }
    if (end == std::string_view::npos)
        fail("truncated or damaged zip archive (no end-of-central-directory record)");
    const uint16_t disk = u16(m_data, end + 4), cdDisk = u16(m_data, end + 6);
    uint64_t count = u16(m_data, end + 10);
    uint64_t cdSize = u32(m_data, end + 12), cdOffset = u32(m_data, end + 16);
    if (disk != 0 || cdDisk != 0 || u16(m_data, end + 8) != count)
        fail("multi-disk zip archives are not supported");
    // ZIP64 (PyTorch's writer always adds the ZIP64 end records): the 64-bit values win.
    if (end >= 20 && u32(m_data, end - 20) == kZip64LocatorSig) {
        const uint64_t rec = u64(m_data, end - 20 + 8);
        if (u32(m_data, end - 20 + 4) != 0 || u32(m_data, end - 20 + 16) > 1)
            fail("multi-disk zip archives are not supported");
        if (rec > end - 20 || end - 20 - rec < 56 || u32(m_data, static_cast<size_t>(rec)) != kZip64EndSig)
            fail("damaged ZIP64 end-of-central-directory record");
        const size_t r = static_cast<size_t>(rec);
        if (u32(m_data, r + 16) != 0 || u32(m_data, r + 20) != 0 || u64(m_data, r + 24) != u64(m_data, r + 32))
            fail("multi-disk zip archives are not supported");
        count = u64(m_data, r + 32);
        cdSize = u64(m_data, r + 40);
        cdOffset = u64(m_data, r + 48);
        end = r; // the central directory ends before the ZIP64 record
    } else if (count == 0xffff || cdSize == 0xffffffffu || cdOffset == 0xffffffffu) {
        fail("damaged ZIP64 archive (no ZIP64 end record locator)");
    }
    if (cdOffset > end || cdSize > end - cdOffset)
        fail("truncated or damaged zip archive (central directory outside the file)");
    if (count > cdSize / kCentralSize)
        fail("damaged zip central directory (" + std::to_string(count) + " entries cannot fit)");

    size_t at = cdOffset;
    const size_t cdEnd = static_cast<size_t>(cdOffset + cdSize);
    m_entries.reserve(static_cast<size_t>(count));
    for (uint64_t i = 0; i < count; ++i) {
        if (at + kCentralSize > cdEnd || u32(m_data, at) != kCentralSig)
            fail("damaged zip central directory (entry " + std::to_string(i) + ")");
        Entry e;
        const uint16_t flags = u16(m_data, at + 8);
        e.method = u16(m_data, at + 10);
        e.crc = u32(m_data, at + 16);
        e.compressedSize = u32(m_data, at + 20);
        e.size = u32(m_data, at + 24);
        const size_t nameLen = u16(m_data, at + 28), extraLen = u16(m_data, at + 30), commentLen = u16(m_data, at + 32);
        e.localHeaderOffset = u32(m_data, at + 42);
        if (at + kCentralSize + nameLen + extraLen + commentLen > cdEnd)
            fail("damaged zip central directory (entry " + std::to_string(i) + " runs past it)");
        e.name.assign(m_data.substr(at + kCentralSize, nameLen));
        if (flags & 1)
            fail("encrypted zip entry '" + e.name + "'");
        if (e.size == 0xffffffffu || e.compressedSize == 0xffffffffu || e.localHeaderOffset == 0xffffffffu) {
            // The ZIP64 extra field (id 1) holds the saturated values, in this order.
            size_t x = at + kCentralSize + nameLen;
            const size_t xEnd = x + extraLen;
            bool found = false;
            while (x + 4 <= xEnd) {
                const uint16_t id = u16(m_data, x), len = u16(m_data, x + 2);
                if (x + 4 + len > xEnd)
                    break;
                if (id == 1) {
                    size_t f = x + 4;
                    const size_t fEnd = f + len;
                    for (uint64_t *field : {&e.size, &e.compressedSize, &e.localHeaderOffset}) {
                        if (*field != 0xffffffffu)
                            continue;
                        if (f + 8 > fEnd)
                            fail("damaged ZIP64 extra field of '" + e.name + "'");
                        *field = u64(m_data, f);
                        f += 8;
                    }
                    found = true;
                    break;
                }
                x += 4 + len;
            }
            if (!found)
                fail("damaged zip entry '" + e.name + "' (ZIP64 sizes missing)");
        }
        at += kCentralSize + nameLen + extraLen + commentLen;
        if (!m_byName.emplace(e.name, m_entries.size()).second)
            fail("zip archive names '" + e.name + "' twice");
        m_entries.push_back(std::move(e));
    }
}

const ZipArchive::Entry *ZipArchive::find(const std::string &name) const
{
    const auto it = m_byName.find(name);
    return it == m_byName.end() ? nullptr : &m_entries[it->second];
}

std::string_view ZipArchive::read(const Entry &e)
{
    const size_t index = static_cast<size_t>(&e - m_entries.data());
    if (index >= m_entries.size())
        fail("internal: entry from another archive");
    if (const auto it = m_inflated.find(index); it != m_inflated.end())
        return *it->second;

    const uint64_t lh = e.localHeaderOffset;
    if (lh + kLocalSize > m_data.size() || u32(m_data, static_cast<size_t>(lh)) != kLocalSig)
        fail("truncated or damaged zip entry '" + e.name + "' (local header)");
    const size_t nameLen = u16(m_data, lh + 26), extraLen = u16(m_data, lh + 28);
    const uint64_t start = lh + kLocalSize + nameLen + extraLen;
    if (start > m_data.size() || e.compressedSize > m_data.size() - start)
        fail("truncated zip entry '" + e.name + "' (" + std::to_string(e.compressedSize) + " bytes expected, " +
             std::to_string(start > m_data.size() ? 0 : m_data.size() - start) + " left)");
    const std::string_view raw = m_data.substr(static_cast<size_t>(start), static_cast<size_t>(e.compressedSize));

    std::string_view out;
    if (e.method == 0) {
        if (e.size != e.compressedSize)
            fail("damaged zip entry '" + e.name + "' (stored sizes differ)");
        out = raw;
    } else if (e.method == 8) {
#ifdef FACELAB_CHECKPOINT_HAVE_ZLIB
        // DEFLATE expands at most ~1032:1; a larger declared size is a lie, not a reason to allocate.
        if (e.size > e.compressedSize * 1032 + 1024)
            fail("damaged zip entry '" + e.name + "' (implausible uncompressed size)");
        auto buf = std::make_unique<std::string>();
        buf->resize(static_cast<size_t>(e.size));
        z_stream zs{};
        if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
            fail("zlib inflateInit failed");
        size_t inPos = 0, outPos = 0;
        int rc = Z_OK;
        // Chunks keep the lengths within zlib's uInt.
        while (rc == Z_OK) {
            const size_t inChunk = std::min<size_t>(raw.size() - inPos, 1u << 30);
            const size_t outChunk = std::min<size_t>(buf->size() - outPos, 1u << 30);
            zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(raw.data() + inPos));
            zs.avail_in = static_cast<uInt>(inChunk);
            zs.next_out = reinterpret_cast<Bytef *>(buf->data() + outPos);
            zs.avail_out = static_cast<uInt>(outChunk);
            rc = inflate(&zs, Z_NO_FLUSH);
            inPos += inChunk - zs.avail_in;
            outPos += outChunk - zs.avail_out;
            if (rc == Z_OK && zs.avail_in == inChunk && zs.avail_out == outChunk)
                rc = Z_BUF_ERROR; // no progress
        }
        inflateEnd(&zs);
        if (rc != Z_STREAM_END || outPos != buf->size())
            fail("damaged compressed zip entry '" + e.name + "'");
        out = *buf;
        m_inflated.emplace(index, std::move(buf));
#else
        fail("zip entry '" + e.name + "' is compressed (DEFLATE) and this build has no zlib");
#endif
    } else {
        fail("zip entry '" + e.name + "' uses compression method " + std::to_string(e.method) + " (only STORED and DEFLATE are read)");
    }
    if (crc32(out.data(), out.size()) != e.crc)
        fail("zip entry '" + e.name + "' is damaged (CRC mismatch)");
    return out;
}

} // namespace facelab::nn::ckpt::detail
