#pragma once
// A torch-free handle on a loaded FaceNet (FaceNet.h): what the Qt edge, the Embedder and the
// trainer pass around. Copies share the same network.
#include "nn/Preprocessing.h"

#include <memory>
#include <string>

namespace facelab::nn {

class FaceNetImpl;

class FaceModel
{
public:
    FaceModel() = default;
    FaceModel(std::shared_ptr<FaceNetImpl> net, Preprocessing spec, std::string path);

    explicit operator bool() const { return bool(m_net); }
    // Torch code only (include FaceNet.h to use it).
    const std::shared_ptr<FaceNetImpl> &net() const { return m_net; }

    std::string family() const;
    const Preprocessing &preprocessing() const { return m_spec; }
    void setPreprocessing(const Preprocessing &spec) { m_spec = spec; }
    // The file it was opened from ("" for one built in memory); names the model in messages.
    const std::string &path() const { return m_path; }
    int embeddingDim() const;
    long long parameterCount() const;
    // Writes the network in its family's format, atomically (FaceNetImpl::save). Throws ModelError.
    void save(const std::string &path) const;
    std::string fileSuffix() const;

private:
    std::shared_ptr<FaceNetImpl> m_net;
    Preprocessing m_spec;
    std::string m_path;
};

} // namespace facelab::nn
