#include "linearizer/SurrogateAnalysis.h"

#include "linearizer/LinearizerNet.h"
#include "nn/ModuleState.h"

#include <torch/torch.h>

namespace facelab::linearizer {

namespace {

cv::Mat toMat(const torch::Tensor &t)
{
    const torch::Tensor c = t.detach().to(torch::kCPU).to(torch::kFloat).contiguous();
    return cv::Mat(int(c.size(0)), int(c.size(1)), CV_32F, c.data_ptr<float>()).clone();
}

torch::Tensor toTensor(const cv::Mat &m)
{
    cv::Mat f;
    m.convertTo(f, CV_32F);
    if (!f.isContinuous())
        f = f.clone();
    return torch::from_blob(f.data, {f.rows, f.cols}, torch::kFloat).clone();
}

torch::Device deviceOf(const torch::nn::Module &m)
{
    const auto params = m.parameters();
    return params.empty() ? torch::Device(torch::kCPU) : params.front().device();
}

} // namespace

SandwichStages sandwichStages(const nn::FaceModel &surrogate, const std::vector<cv::Mat> &faces)
{
    LinearizerModel model = surrogateOf(surrogate);
    torch::NoGradGuard noGrad;
    model->eval();
    const torch::Device device = deviceOf(*model);
    std::vector<torch::Tensor> z, az, e;
    for (size_t s = 0; s < faces.size(); s += 64) {
        const std::vector<cv::Mat> batch(faces.begin() + long(s), faces.begin() + long(std::min(faces.size(), s + 64)));
        const LinearizerStages st = model->stages(nn::facesToTensor(batch, surrogate.preprocessing()).to(device));
        z.push_back(st.latent.cpu());
        az.push_back(st.transformed.cpu());
        e.push_back(st.embedding.cpu());
    }
    SandwichStages out;
    if (faces.empty())
        return out;
    out.latent = toMat(torch::cat(z));
    out.transformed = toMat(torch::cat(az));
    out.embedding = toMat(torch::cat(e));
    return out;
}

cv::Mat embeddingsFromTransformed(const nn::FaceModel &surrogate, const cv::Mat &transformed)
{
    LinearizerModel model = surrogateOf(surrogate);
    torch::NoGradGuard noGrad;
    model->eval();
    return toMat(model->gyInverse(toTensor(transformed).to(deviceOf(*model))));
}

cv::Mat matrixA(const nn::FaceModel &surrogate) { return toMat(surrogateOf(surrogate)->matrixA()); }

nn::FaceModel withMatrixA(const nn::FaceModel &surrogate, const cv::Mat &a)
{
    LinearizerModel model = surrogateOf(surrogate);
    LinearizerModel copy(model->config());
    {
        torch::NoGradGuard noGrad;
        const auto from = nn::moduleState(*model);
        const auto to = nn::moduleState(*copy);
        for (size_t i = 0; i < from.size(); ++i)
            to[i].second.copy_(from[i].second);
    }
    copy->to(deviceOf(*model));
    copy->setA(toTensor(a).to(deviceOf(*model)));
    copy->eval();
    return surrogateModel(copy, surrogate.preprocessing(), surrogate.path());
}

} // namespace facelab::linearizer
