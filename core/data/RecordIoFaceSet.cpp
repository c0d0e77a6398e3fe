#include "RecordIoFaceSet.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace facelab::data {

namespace {

// A label that must be a record number: a whole, non-negative float. MXNet stores them as float32,
// exact up to 2^24; past that (Glint360k's 17M images) they are rounded, as InsightFace reads them.
bool recordNumber(float f, std::uint64_t &out)
{
    if (!(f >= 0) || f > 4294967296.f || std::floor(f) != f)
        return false;
    out = std::uint64_t(f);
    return true;
}

} // namespace

RecordIoFaceSet::RecordIoFaceSet(const std::string &recPath, const std::string &idxPath)
    : m_reader(std::make_unique<RecordIoReader>(recPath, idxPath))
{
    const RecordIoReader &r = *m_reader;
    const auto &keys = r.keys();
    if (!r.contains(0) || r.readHeader(0).flag == 0) {
        m_images = keys;   // no InsightFace header: every record is a face
        return;
    }
    const RecordIoRecord head = r.readHeader(0);
    std::uint64_t a = 0, b = 0;
    auto bad = [&](std::uint64_t key, const std::string &why) {
        throw RecordIoError(recPath + ": record " + std::to_string(key) + ": " + why);
    };
    if (head.labels.size() < 2 || !recordNumber(head.labels[0], a) || !recordNumber(head.labels[1], b) || a < 1 || b < a)
        bad(0, "an InsightFace header (flag > 0) whose labels are not the ranges [images end, identities end)");
    for (std::uint64_t k = a; k < b; ++k) {
        if (!r.contains(k))
            bad(k, "identity record missing from the index (the header says identities are records " +
                       std::to_string(a) + " to " + std::to_string(b - 1) + ")");
        const RecordIoRecord id = r.readHeader(k);
        std::uint64_t first = 0, last = 0;
        if (id.labels.size() < 2 || !recordNumber(id.labels[0], first) || !recordNumber(id.labels[1], last) ||
            first < 1 || last < first || last > a)
            bad(k, "an identity record whose labels are not an image range [first, last) within records 1 to " +
                       std::to_string(a - 1));
        m_rangeStart.push_back(first);
        m_rangeEnd.push_back(last);
    }
    const auto lo = std::lower_bound(keys.begin(), keys.end(), std::uint64_t(1));
    const auto hi = std::lower_bound(keys.begin(), keys.end(), a);
    m_images.assign(lo, hi);
}

std::vector<std::int64_t> RecordIoFaceSet::identities() const
{
    std::vector<std::int64_t> out(m_images.size(), -1);
    if (!hasIdentityRanges()) {
        for (std::size_t i = 0; i < m_images.size(); ++i) {
            const float l = m_reader->readHeader(m_images[i]).firstLabel();
            if (l >= 0 && std::floor(l) == l)
                out[i] = std::int64_t(l);
        }
        return out;
    }
    // Ranges sorted by start; an image takes the identity whose range holds it.
    std::vector<std::size_t> order(m_rangeStart.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return m_rangeStart[x] < m_rangeStart[y]; });
    std::vector<std::uint64_t> starts(order.size());
    for (std::size_t k = 0; k < order.size(); ++k)
        starts[k] = m_rangeStart[order[k]];
    for (std::size_t i = 0; i < m_images.size(); ++i) {
        const auto it = std::upper_bound(starts.begin(), starts.end(), m_images[i]);
        if (it == starts.begin())
            continue;
        const std::size_t id = order[std::size_t(it - starts.begin()) - 1];
        if (m_images[i] < m_rangeEnd[id])
            out[i] = std::int64_t(id);
    }
    return out;
}

} // namespace facelab::data
