#pragma once
// MXNet RecordIO packs (train.rec + train.idx, the format MS1MV2, Glint360k and the other
// InsightFace training sets ship in), read in place: the .idx ("key\toffset" lines) gives each
// record's offset and a record is read with positioned reads when asked for, so nothing of the
// .rec is held or copied. Each record is MXNet's IRHeader (flag, label, id, id2; flag > 0 means
// `flag` float labels follow it) and then the payload, usually a JPEG. No Qt, no OpenCV:
// RecordIoImage.h decodes payloads.
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace facelab::data {

// A record or index that cannot be read; what() names the file and, for a record, its key.
class RecordIoError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

constexpr std::uint32_t kRecordIoMagic = 0xced7230a;
constexpr std::size_t kIrHeaderSize = 24;   // uint32 flag, float32 label, uint64 id, uint64 id2

struct RecordIoRecord
{
    std::uint64_t key = 0;
    std::uint32_t flag = 0;         // 0: one label in `label`; n > 0: n labels in `labels`
    float label = 0;
    std::vector<float> labels;
    std::uint64_t id = 0, id2 = 0;
    std::string payload;            // what follows the header (and the labels): the image bytes

    // The first label, whichever way it was stored (MXNet packs a class id either way).
    float firstLabel() const { return flag > 0 ? (labels.empty() ? 0.f : labels.front()) : label; }
};

class RecordIoReader
{
public:
    // Opens rec and its index (idx empty: rec with ".idx" for its ".rec"). Throws RecordIoError for
    // a missing or unreadable file, a malformed .idx line (named by its number), a repeated key or
    // an offset beyond the end of the .rec.
    explicit RecordIoReader(std::string recPath, std::string idxPath = {});
    ~RecordIoReader();
    RecordIoReader(const RecordIoReader &) = delete;
    RecordIoReader &operator=(const RecordIoReader &) = delete;

    std::size_t size() const { return m_keys.size(); }
    const std::vector<std::uint64_t> &keys() const { return m_keys; }   // ascending
    bool contains(std::uint64_t key) const;
    std::uint64_t offset(std::uint64_t key) const;                      // throws for an unknown key

    // The record stored under key. Safe from several threads at once (positioned reads). Throws
    // RecordIoError naming the file and the key for an unknown key, a record that does not start
    // with the magic number, bad continuation flags, one cut short by the end of the file, or a
    // payload too short for the IRHeader and labels it declares.
    RecordIoRecord read(std::uint64_t key) const;
    // The record's bytes as written (multi-part records joined), without parsing the IRHeader.
    std::string readRaw(std::uint64_t key) const;
    // Only the IRHeader and labels (payload left empty): a few dozen bytes read.
    RecordIoRecord readHeader(std::uint64_t key) const;

    const std::string &recPath() const { return m_recPath; }
    const std::string &idxPath() const { return m_idxPath; }
    std::uint64_t fileSize() const { return m_fileSize; }

private:
    [[noreturn]] void fail(std::uint64_t key, std::uint64_t at, const std::string &problem) const;
    void readAt(std::uint64_t key, std::uint64_t at, void *dst, std::size_t n) const;
    // Reads the record at key; stops after `limit` bytes of content (0 = whole record).
    std::string content(std::uint64_t key, std::size_t limit) const;
    RecordIoRecord parse(std::uint64_t key, std::string raw, bool headerOnly) const;

    std::string m_recPath, m_idxPath;
    int m_fd = -1;
    std::uint64_t m_fileSize = 0;
    std::vector<std::uint64_t> m_keys, m_offsets;   // by ascending key
};

// Writes records the way MXNet's MXRecordIO does (a payload holding the magic number at an aligned
// position is split into continuation parts) and its .idx: for tests, benchmarks and small packs.
class RecordIoWriter
{
public:
    RecordIoWriter(std::string recPath, std::string idxPath);   // throws RecordIoError
    ~RecordIoWriter();
    RecordIoWriter(const RecordIoWriter &) = delete;
    RecordIoWriter &operator=(const RecordIoWriter &) = delete;
    void write(std::uint64_t key, const std::string &recordBytes);
    void close();   // flushes both files; throws RecordIoError when that fails

private:
    std::string m_recPath, m_idxPath;
    std::FILE *m_rec = nullptr;
    std::FILE *m_idx = nullptr;
    std::uint64_t m_pos = 0;
};

// mx.recordio.pack: the IRHeader (flag = labels.size() when there is more than one label), the
// labels, then the payload.
std::string packRecord(const std::vector<float> &labels, const std::string &payload, std::uint64_t id = 0,
                       std::uint64_t id2 = 0);

} // namespace facelab::data
