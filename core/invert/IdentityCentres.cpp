#include "invert/IdentityCentres.h"

#include "embedding/EmbeddingJob.h"
#include "store/EmbeddingTable.h"
#include "store/ImageTable.h"

#include <QMap>

#include <cmath>

namespace facelab::invert {

IdentityCentres identityCentres(const store::ProjectStore &store, qint64 versionId, jobs::JobContext &ctx)
{
    const store::EmbeddingTable cache(store);
    if (!cache.missing(versionId).isEmpty())
        embedding::embedProject(store, versionId, ctx);

    QMap<qint64, QVector<qint64>> byIdentity;
    QMap<qint64, QString> names;
    for (const store::ImageRecord &img : store::ImageTable(store).all())
        if (img.identityId > 0) {
            byIdentity[img.identityId] << img.id;
            names[img.identityId] = img.identity;
        }
    IdentityCentres c;
    c.versionId = versionId;
    for (auto it = byIdentity.cbegin(); it != byIdentity.cend(); ++it) {
        const auto vectors = cache.get(versionId, it.value());
        if (vectors.isEmpty())
            continue;
        std::vector<double> sum;
        for (const auto &v : vectors) {
            if (sum.empty())
                sum.assign(v.size(), 0.0);
            if (v.size() != sum.size())
                continue;
            for (size_t d = 0; d < v.size(); ++d)
                sum[d] += v[d];
        }
        double norm = 0;
        for (double s : sum)
            norm += s * s;
        norm = std::sqrt(norm);
        if (!(norm > 0))
            continue;
        if (c.dim == 0)
            c.dim = int(sum.size());
        if (int(sum.size()) != c.dim)
            continue;
        for (double s : sum)
            c.rows.push_back(float(s / norm));
        c.identityIds << it.key();
        c.names << names.value(it.key());
        c.images << int(vectors.size());
    }
    return c;
}

std::vector<double> centreCosines(const IdentityCentres &centres, const float *unit)
{
    std::vector<double> out(size_t(centres.count()), 0.0);
    for (int k = 0; k < centres.count(); ++k) {
        const float *row = centres.rows.data() + size_t(k) * size_t(centres.dim);
        double dot = 0;
        for (int d = 0; d < centres.dim; ++d)
            dot += double(row[d]) * double(unit[d]);
        out[size_t(k)] = dot;
    }
    return out;
}

int rankOf(const std::vector<double> &cosines, int target)
{
    if (target < 0 || size_t(target) >= cosines.size())
        return 0;
    int nearer = 0;
    for (double c : cosines)
        nearer += c > cosines[size_t(target)];
    return 1 + nearer;
}

} // namespace facelab::invert
