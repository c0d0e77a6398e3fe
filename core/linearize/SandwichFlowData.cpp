#include "linearize/SandwichFlowData.h"

#include "linearize/SurrogateData.h"
#include "linearize/SurrogateVersions.h"
#include "linearizer/LinearAlgebra.h"
#include "linearizer/SurrogateAnalysis.h"
#include "store/EmbeddingTable.h"

#include <algorithm>
#include <cmath>

namespace facelab::linearize {

namespace {

cv::Mat pca2d(const cv::Mat &rows, double &explained)
{
    if (rows.rows < 3) {
        explained = 0;
        return cv::Mat::zeros(rows.rows, 2, CV_32F);
    }
    cv::PCA pca(rows, cv::Mat(), cv::PCA::DATA_AS_ROW, 2);
    double total = 0;
    cv::Mat centred = rows - cv::repeat(pca.mean, rows.rows, 1);
    for (int r = 0; r < centred.rows; ++r)
        total += centred.row(r).dot(centred.row(r));
    double kept = 0;
    for (int i = 0; i < pca.eigenvalues.rows; ++i)
        kept += pca.eigenvalues.at<float>(i) * double(rows.rows);
    explained = total > 0 ? kept / total : 0;
    return pca.project(rows);
}

} // namespace

SandwichFlowData loadSandwichFlow(const QString &projectFolder, const QString &surrogate, int maxImages,
                                  const std::atomic<bool> *cancel)
{
    SandwichFlowData d;
    try {
        const store::ProjectStore st = store::ProjectStore::open(projectFolder);
        const OpenedSurrogate s = openSurrogate(st, surrogate);
        d.surrogate = s.version.name;
        d.surrogateId = s.version.id;
        d.teacher = s.teacher.name;
        d.teacherId = s.teacher.id;
        const SurrogateImages images = surrogateImages(st, maxImages);
        if (images.ids.isEmpty()) {
            d.error = QStringLiteral("the project has no images with an aligned face");
            return d;
        }
        std::vector<cv::Mat> faces;
        for (int i = 0; i < images.ids.size(); ++i) {
            cv::Mat f = readAligned(images.paths[i]);
            if (f.empty())
                continue;   // unreadable now: left out of the plots
            faces.push_back(f);
            d.imageIds.push_back(images.ids[i]);
            d.paths << images.paths[i];
            d.identities << images.identityNames[i];
        }
        if (faces.empty()) {
            d.error = QStringLiteral("none of the project's aligned faces can be read");
            return d;
        }
        constexpr size_t kChunk = 128;
        std::vector<cv::Mat> latent, transformed, embedding;
        for (size_t at = 0; at < faces.size(); at += kChunk) {
            if (cancel && cancel->load()) {
                d.error = QStringLiteral("cancelled");
                return d;
            }
            const std::vector<cv::Mat> chunk(faces.begin() + long(at), faces.begin() + long(std::min(faces.size(), at + kChunk)));
            const linearizer::SandwichStages stages = linearizer::sandwichStages(s.model, chunk);
            latent.push_back(stages.latent);
            transformed.push_back(stages.transformed);
            embedding.push_back(stages.embedding);
        }
        cv::vconcat(latent, d.latent);
        cv::vconcat(transformed, d.transformed);
        cv::vconcat(embedding, d.embedding);
        const auto cached = store::EmbeddingTable(st).get(s.teacher.id, d.imageIds);
        d.teacherEmbedding = cv::Mat::zeros(d.embedding.rows, d.embedding.cols, CV_32F);
        for (int i = 0; i < d.imageIds.size(); ++i) {
            const auto v = cached.value(d.imageIds[i]);
            if (int(v.size()) == d.embedding.cols)
                std::copy(v.begin(), v.end(), d.teacherEmbedding.ptr<float>(i));
        }
        const cv::Mat *stage[3] = {&d.latent, &d.transformed, &d.embedding};
        for (int k = 0; k < 3; ++k)
            d.pca[k] = pca2d(*stage[k], d.pcaExplained[k]);
        d.singularValues = linearizer::singularValues(linearizer::matrixA(s.model));
        d.energy = linearizer::cumulativeEnergy(d.singularValues);
    } catch (const std::exception &e) {
        d.error = QString::fromUtf8(e.what());
    }
    return d;
}

double teacherCosine(const SandwichFlowData &d, int row)
{
    if (row < 0 || row >= d.embedding.rows)
        return NAN;
    const cv::Mat f = d.embedding.row(row), t = d.teacherEmbedding.row(row);
    const double nf = cv::norm(f), nt = cv::norm(t);
    if (nf <= 0 || nt <= 0)
        return NAN;
    return f.dot(t) / (nf * nt);
}

} // namespace facelab::linearize
