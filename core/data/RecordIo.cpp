#include "RecordIo.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace facelab::data {

namespace {

// A record of MS1MV2 is ~10 KB; anything near this is a damaged length field, not a face.
constexpr std::size_t kMaxRecordBytes = std::size_t(256) << 20;
constexpr std::uint32_t kLengthMask = (1u << 29) - 1;   // the upper 3 bits are the continuation flag

std::uint32_t le32(const unsigned char *p)
{
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}

std::uint64_t le64(const unsigned char *p) { return le32(p) | std::uint64_t(le32(p + 4)) << 32; }

float leFloat(const unsigned char *p)
{
    const std::uint32_t bits = le32(p);
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

void put32(std::string &s, std::uint32_t v)
{
    for (int k = 0; k < 4; ++k)
        s.push_back(char((v >> (8 * k)) & 0xff));
}

void put64(std::string &s, std::uint64_t v)
{
    put32(s, std::uint32_t(v));
    put32(s, std::uint32_t(v >> 32));
}

std::string hex32(std::uint32_t v)
{
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
}

std::string defaultIdx(const std::string &rec)
{
    const std::string ext = ".rec";
    if (rec.size() > ext.size() && rec.compare(rec.size() - ext.size(), ext.size(), ext) == 0)
        return rec.substr(0, rec.size() - ext.size()) + ".idx";
    return rec + ".idx";
}

// "12\t3456" (MXNet writes a tab; spaces are accepted too). False when the line is not that.
bool parseIdxLine(const char *s, std::size_t n, std::uint64_t &key, std::uint64_t &offset)
{
    std::size_t i = 0;
    auto number = [&](std::uint64_t &v) {
        const std::size_t start = i;
        v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (v > (~std::uint64_t(0) - 9) / 10)
                return false;
            v = v * 10 + std::uint64_t(s[i++] - '0');
        }
        return i > start;
    };
    auto blanks = [&] {
        const std::size_t start = i;
        while (i < n && (s[i] == '\t' || s[i] == ' ' || s[i] == '\r'))
            ++i;
        return i > start;
    };
    blanks();
    if (!number(key) || !blanks() || !number(offset))
        return false;
    blanks();
    return i == n;
}

} // namespace

RecordIoReader::RecordIoReader(std::string recPath, std::string idxPath)
    : m_recPath(std::move(recPath)), m_idxPath(idxPath.empty() ? defaultIdx(m_recPath) : std::move(idxPath))
{
    m_fd = ::open(m_recPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0)
        throw RecordIoError(m_recPath + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(m_fd);
        throw RecordIoError(m_recPath + ": not a regular file");
    }
    m_fileSize = std::uint64_t(st.st_size);

    std::FILE *idx = std::fopen(m_idxPath.c_str(), "rb");
    if (!idx) {
        const std::string why = std::strerror(errno);
        ::close(m_fd);
        throw RecordIoError(m_idxPath + ": cannot open the index of " + m_recPath + ": " + why);
    }
    std::vector<std::pair<std::uint64_t, std::uint64_t>> entries;
    char *line = nullptr;
    std::size_t cap = 0;
    std::string problem;
    long lineNo = 0;
    for (ssize_t n; problem.empty() && (n = ::getline(&line, &cap, idx)) >= 0;) {
        ++lineNo;
        std::size_t len = std::size_t(n);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            --len;
        if (len == 0)
            continue;
        std::uint64_t key = 0, offset = 0;
        if (!parseIdxLine(line, len, key, offset))
            problem = "line " + std::to_string(lineNo) + ": expected 'key<TAB>offset', got '" +
                      std::string(line, std::min<std::size_t>(len, 60)) + "' (not a RecordIO index)";
        else if (offset >= m_fileSize)
            problem = "line " + std::to_string(lineNo) + ": offset " + std::to_string(offset) + " of record " +
                      std::to_string(key) + " is beyond the end of " + m_recPath + " (" + std::to_string(m_fileSize) +
                      " bytes): the .rec is truncated or the .idx belongs to another one";
        else
            entries.emplace_back(key, offset);
    }
    std::free(line);
    const bool readError = std::ferror(idx);
    std::fclose(idx);
    if (problem.empty() && readError)
        problem = "read error";
    if (problem.empty() && entries.empty())
        problem = "no records listed";
    if (problem.empty()) {
        std::sort(entries.begin(), entries.end());
        for (std::size_t i = 1; i < entries.size() && problem.empty(); ++i)
            if (entries[i].first == entries[i - 1].first)
                problem = "record " + std::to_string(entries[i].first) + " is listed twice";
    }
    if (!problem.empty()) {
        ::close(m_fd);
        throw RecordIoError(m_idxPath + ": " + problem);
    }
    m_keys.reserve(entries.size());
    m_offsets.reserve(entries.size());
    for (const auto &[k, o] : entries) {
        m_keys.push_back(k);
        m_offsets.push_back(o);
    }
}

RecordIoReader::~RecordIoReader()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool RecordIoReader::contains(std::uint64_t key) const { return std::binary_search(m_keys.begin(), m_keys.end(), key); }

std::uint64_t RecordIoReader::offset(std::uint64_t key) const
{
    const auto it = std::lower_bound(m_keys.begin(), m_keys.end(), key);
    if (it == m_keys.end() || *it != key)
        throw RecordIoError(m_recPath + ": record " + std::to_string(key) + " is not in the index " + m_idxPath);
    return m_offsets[std::size_t(it - m_keys.begin())];
}

void RecordIoReader::fail(std::uint64_t key, std::uint64_t at, const std::string &problem) const
{
    throw RecordIoError(m_recPath + ": record " + std::to_string(key) + " (at byte " + std::to_string(at) + "): " + problem);
}

void RecordIoReader::readAt(std::uint64_t key, std::uint64_t at, void *dst, std::size_t n) const
{
    auto *p = static_cast<char *>(dst);
    std::size_t done = 0;
    while (done < n) {
        const ssize_t r = ::pread(m_fd, p + done, n - done, off_t(at + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            fail(key, at, std::string("read error: ") + std::strerror(errno));
        if (r == 0)
            fail(key, at, "truncated: the file ends " + std::to_string(done) + " bytes into a part of " +
                              std::to_string(n) + " bytes (it changed while being read?)");
        done += std::size_t(r);
    }
}

std::string RecordIoReader::content(std::uint64_t key, std::size_t limit) const
{
    const std::uint64_t start = offset(key);
    std::uint64_t pos = start;
    std::string out;
    for (bool first = true;; first = false) {
        if (pos > m_fileSize || m_fileSize - pos < 8)   // past the end: the last part's padding is missing
            fail(key, start, "truncated: the file ends inside a record header at byte " + std::to_string(pos));
        unsigned char h[8];
        readAt(key, pos, h, 8);
        const std::uint32_t magic = le32(h);
        if (magic != kRecordIoMagic)
            fail(key, start, "corrupt: no record part starts at byte " + std::to_string(pos) + " (" + hex32(magic) +
                                 " where the magic number " + hex32(kRecordIoMagic) +
                                 " belongs; a damaged .rec, or an .idx of another file)");
        const std::uint32_t cflag = le32(h + 4) >> 29;
        const std::uint32_t len = le32(h + 4) & kLengthMask;
        // 0 = whole record, 1 = first part, 2 = middle part, 3 = last part.
        if (cflag > 3 || (first ? cflag >= 2 : cflag <= 1))
            fail(key, start, "corrupt: continuation flag " + std::to_string(cflag) + " at byte " + std::to_string(pos) +
                                 (first ? " (a record cannot start with a middle or last part)" : " (a split record is cut by another record)"));
        if (m_fileSize - pos - 8 < len)
            fail(key, start, "truncated: a part of " + std::to_string(len) + " bytes at byte " + std::to_string(pos) +
                                 ", only " + std::to_string(m_fileSize - pos - 8) + " bytes left in the file");
        if (out.size() + len > kMaxRecordBytes)
            fail(key, start, "corrupt: the record is longer than " + std::to_string(kMaxRecordBytes >> 20) + " MiB");
        const std::size_t want = limit ? std::min<std::size_t>(len, limit - std::min(limit, out.size())) : len;
        const std::size_t at = out.size();
        out.resize(at + want);
        if (want)
            readAt(key, pos + 8, out.data() + at, want);
        if (cflag == 0 || cflag == 3)
            break;
        // The writer cut the payload at a copy of the magic number and dropped it: put it back.
        out.append("\x0a\x23\xd7\xce", 4);
        if (limit && out.size() >= limit)
            break;
        pos += 8 + ((std::uint64_t(len) + 3) & ~std::uint64_t(3));
    }
    if (limit && out.size() > limit)
        out.resize(limit);
    return out;
}

RecordIoRecord RecordIoReader::parse(std::uint64_t key, std::string raw, bool headerOnly) const
{
    if (raw.size() < kIrHeaderSize)
        fail(key, offset(key), "corrupt: " + std::to_string(raw.size()) + " bytes, shorter than MXNet's " +
                                   std::to_string(kIrHeaderSize) + "-byte image header");
    const auto *p = reinterpret_cast<const unsigned char *>(raw.data());
    RecordIoRecord r;
    r.key = key;
    r.flag = le32(p);
    r.label = leFloat(p + 4);
    r.id = le64(p + 8);
    r.id2 = le64(p + 16);
    std::size_t at = kIrHeaderSize;
    if (r.flag > 0) {
        if (std::uint64_t(r.flag) * 4 > raw.size() - at)
            fail(key, offset(key), "corrupt: the header declares " + std::to_string(r.flag) + " labels, but only " +
                                       std::to_string(raw.size() - at) + " bytes follow it");
        r.labels.resize(r.flag);
        for (std::uint32_t k = 0; k < r.flag; ++k)
            r.labels[k] = leFloat(p + at + 4 * k);
        at += std::size_t(r.flag) * 4;
    }
    if (!headerOnly)
        r.payload = raw.substr(at);
    return r;
}

RecordIoRecord RecordIoReader::read(std::uint64_t key) const { return parse(key, content(key, 0), false); }

std::string RecordIoReader::readRaw(std::uint64_t key) const { return content(key, 0); }

RecordIoRecord RecordIoReader::readHeader(std::uint64_t key) const
{
    std::string head = content(key, kIrHeaderSize);
    if (head.size() >= kIrHeaderSize) {
        const std::uint32_t flag = le32(reinterpret_cast<const unsigned char *>(head.data()));
        if (flag > 0 && flag <= kMaxRecordBytes / 4)
            head = content(key, kIrHeaderSize + std::size_t(flag) * 4);
    }
    return parse(key, std::move(head), true);
}

RecordIoWriter::RecordIoWriter(std::string recPath, std::string idxPath)
    : m_recPath(std::move(recPath)), m_idxPath(std::move(idxPath))
{
    m_rec = std::fopen(m_recPath.c_str(), "wb");
    m_idx = m_rec ? std::fopen(m_idxPath.c_str(), "w") : nullptr;
    if (!m_rec || !m_idx) {
        const std::string why = std::strerror(errno);
        if (m_rec)
            std::fclose(m_rec);
        m_rec = nullptr;
        throw RecordIoError((m_idx ? m_recPath : m_idxPath) + ": cannot write: " + why);
    }
}

RecordIoWriter::~RecordIoWriter()
{
    if (m_rec)
        std::fclose(m_rec);
    if (m_idx)
        std::fclose(m_idx);
}

void RecordIoWriter::write(std::uint64_t key, const std::string &data)
{
    if (!m_rec)
        throw RecordIoError(m_recPath + ": written after close()");
    if (data.size() > kLengthMask)
        throw RecordIoError(m_recPath + ": record " + std::to_string(key) + " is larger than RecordIO's 512 MiB limit");
    std::fprintf(m_idx, "%llu\t%llu\n", static_cast<unsigned long long>(key), static_cast<unsigned long long>(m_pos));
    std::string out;
    auto part = [&](std::uint32_t cflag, std::size_t from, std::size_t n) {
        put32(out, kRecordIoMagic);
        put32(out, (cflag << 29) | std::uint32_t(n));
        out.append(data, from, n);
    };
    // As dmlc-core's RecordIOWriter: a magic number at an aligned offset ends a part and is dropped.
    const std::size_t aligned = data.size() / 4 * 4;
    std::size_t from = 0;
    for (std::size_t i = 0; i < aligned; i += 4) {
        if (le32(reinterpret_cast<const unsigned char *>(data.data() + i)) == kRecordIoMagic) {
            part(from == 0 ? 1 : 2, from, i - from);
            from = i + 4;
        }
    }
    part(from == 0 ? 0 : 3, from, data.size() - from);
    out.append((4 - data.size() % 4) % 4, '\0');
    if (std::fwrite(out.data(), 1, out.size(), m_rec) != out.size())
        throw RecordIoError(m_recPath + ": write failed: " + std::strerror(errno));
    m_pos += out.size();
}

void RecordIoWriter::close()
{
    const bool ok = m_rec && std::fclose(m_rec) == 0;
    const bool idxOk = m_idx && std::fclose(m_idx) == 0;
    m_rec = m_idx = nullptr;
    if (!ok || !idxOk)
        throw RecordIoError((ok ? m_idxPath : m_recPath) + ": cannot finish writing");
}

std::string packRecord(const std::vector<float> &labels, const std::string &payload, std::uint64_t id, std::uint64_t id2)
{
    std::string s;
    const bool array = labels.size() != 1;
    put32(s, array ? std::uint32_t(labels.size()) : 0);
    std::uint32_t bits = 0;
    if (!array)
        std::memcpy(&bits, &labels[0], 4);
    put32(s, bits);
    put64(s, id);
    put64(s, id2);
    if (array) {
        for (float f : labels) {
            std::memcpy(&bits, &f, 4);
            put32(s, bits);
        }
    }
    return s + payload;
}

} // namespace facelab::data
