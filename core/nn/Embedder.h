#pragma once
// Aligned faces -> L2-normalised embeddings of any model family (FaceModel), with LibTorch
// underneath; ONNX models may run on OpenCV dnn instead when that is faster (an ONNX detail).
// Torch-free header: the app and jobs call this without LibTorch includes.
#include "nn/FaceModel.h"
#include "nn/Preprocessing.h"

#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

namespace facelab::nn {

enum class EmbedBackend {
    Auto,      // the faster of the two, measured when the Embedder is made (see below)
    OpenCvDnn, // cv::dnn reading the untouched .onnx file (ONNX family only)
    LibTorch,  // the FaceNet, channels-last, CUDA when available
};
const char *backendName(EmbedBackend backend);

class Embedder
{
public:
    // An untouched ONNX file: both runtimes can run it. Auto takes LibTorch on CUDA (OpenCV dnn
    // runs on the CPU here) or when OpenCV dnn cannot read the file; otherwise it times both on a
    // warm chunk of random faces and keeps the faster. On an idle 2-core CPU LibTorch wins
    // (fr_feature.onnx: 235 vs 167 faces/s one at a time, 460 vs 175 in batches of 32, bench_embed),
    // but LibTorch's OpenMP stalls badly when other processes compete for the cores while OpenCV
    // dnn degrades gracefully, so the choice is measured rather than fixed. Throws ModelError.
    Embedder(const std::string &onnxPath, Preprocessing spec, EmbedBackend backend = EmbedBackend::Auto);
    // An opened model of any family, with its own preprocessing. LibTorch runs it on whatever
    // device the network is. Auto and OpenCvDnn apply to an ONNX model opened from its file and
    // not changed since (a network changed in memory, e.g. while fine-tuning, needs LibTorch);
    // for other families they mean LibTorch. Throws ModelError.
    explicit Embedder(FaceModel model, EmbedBackend backend = EmbedBackend::LibTorch);
    ~Embedder();
    Embedder(Embedder &&) noexcept;
    Embedder &operator=(Embedder &&) noexcept;

    // 8-bit BGR aligned faces -> N x D CV_32F, each row of unit L2 norm (an all-zero output stays
    // zero). Batches are split into chunks internally. Thread-safe (calls are serialised).
    // `norms`, when given, receives each row's norm before normalisation (MagFace's quality).
    cv::Mat embed(const std::vector<cv::Mat> &alignedBgrFaces, std::vector<float> *norms = nullptr);

    EmbedBackend backend() const;
    // Why this backend: the timings of an Auto choice, or "requested".
    const std::string &backendReason() const;
    const Preprocessing &preprocessing() const;
    // Faces per forward pass (a measured sweet spot for cache use; results do not depend on it).
    int chunkSize() const;
    void setChunkSize(int faces);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace facelab::nn
