#pragma once
// InsightFace's layout of a RecordIO pack (MS1MV2, Glint360k, ...): record 0 is a header whose two
// labels [a, b) say that records 1..a-1 are the face images and records a..b-1 the identities, each
// identity record's two labels being the range [first, last) of its image records. Identities then
// come from the header without touching the images. A pack without that header (im2rec output,
// newer arcface_torch packs) is all images, each one's identity being its own label. No Qt, no OpenCV.
#include "RecordIo.h"

#include <memory>

namespace facelab::data {

class RecordIoFaceSet
{
public:
    // Opens the pack and reads its identity ranges when it has them. Throws RecordIoError naming the
    // file and the record for a header or identity record that is corrupt or contradicts itself.
    explicit RecordIoFaceSet(const std::string &recPath, const std::string &idxPath = {});

    std::size_t imageCount() const { return m_images.size(); }
    std::uint64_t imageKey(std::size_t i) const { return m_images[i]; }
    bool hasIdentityRanges() const { return !m_rangeStart.empty(); }
    std::size_t identityCount() const { return m_rangeStart.size(); }   // 0 without the header

    // The identity (0-based) of every image, in image order: from the ranges when the pack has them,
    // else each record's label (one small read per image); -1 where none is known.
    std::vector<std::int64_t> identities() const;
    // Record of image i, read now (RecordIoReader::read).
    RecordIoRecord image(std::size_t i) const { return m_reader->read(m_images[i]); }
    const RecordIoReader &reader() const { return *m_reader; }

private:
    std::unique_ptr<RecordIoReader> m_reader;
    std::vector<std::uint64_t> m_images;
    std::vector<std::uint64_t> m_rangeStart, m_rangeEnd;   // by identity, as stored
};

} // namespace facelab::data
