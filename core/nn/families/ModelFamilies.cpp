// The family registry: every family FaceLab can open, in detection order, and what dispatches on
// the model table's `family` column.
#include "nn/FaceNet.h"
#include "nn/ModelError.h"
#include "nn/ModelFamily.h"
#include "nn/families/IResNetFamily.h"
#include "nn/families/LinearizerFamily.h"
#include "nn/families/MobileFaceNetFamily.h"
#include "nn/families/OnnxFamily.h"
#include "nn/families/PatchCnnFamily.h"
#include "nn/families/TorchScriptFamily.h"

#include <algorithm>

namespace facelab::nn {

std::string LoadReport::countsText() const
{
    std::string s = std::to_string(tensorsLoaded) + " of " + std::to_string(tensorsExpected) + " tensors";
    std::vector<std::string> parts;
    if (!missing.empty())
        parts.push_back(std::to_string(missing.size()) + " missing");
    if (!unexpected.empty())
        parts.push_back(std::to_string(unexpected.size()) + " unexpected");
    if (!mismatched.empty())
        parts.push_back(std::to_string(mismatched.size()) + " shape mismatch" + (mismatched.size() > 1 ? "es" : ""));
    if (!parts.empty()) {
        s += " (";
        for (size_t i = 0; i < parts.size(); ++i)
            s += (i ? ", " : "") + parts[i];
        s += ")";
    }
    return s;
}

CrossCheck ModelFamily::exportTo(const FaceModel &model, const std::string &path) const
{
    const auto formats = exportFormats();
    const auto dot = path.rfind('.');
    const std::string suffix = dot == std::string::npos ? std::string() : path.substr(dot);
    if (suffix != fileSuffix()) {
        std::string list;
        for (const auto &f : formats)
            list += (list.empty() ? "" : ", ") + f;
        throw ModelError(path, "a " + displayName() + " model exports as " + list + ", not '" + suffix + "'");
    }
    model.save(path);
    CrossCheck c;
    c.note = "written in the family's own format; no second runtime reads it";
    return c;
}

const std::vector<const ModelFamily *> &modelFamilies()
{
    // TorchScript before the state-dict families: a torch.jit.save archive is also a zip.
    static const std::vector<const ModelFamily *> all = {&onnxFamily(), &torchScriptFamily(), &iresnetFamily(),
                                                         &mobileFaceNetFamily(), &patchCnnFamily(), &linearizerFamily()};
    return all;
}

const ModelFamily *modelFamily(const std::string &id)
{
    for (const auto *f : modelFamilies())
        if (f->id() == id)
            return f;
    return nullptr;
}

const ModelFamily *detectModelFamily(const std::string &path)
{
    for (const auto *f : modelFamilies())
        if (f->accepts(path))
            return f;
    return nullptr;
}

FaceModel openModel(const std::string &familyId, const std::string &path, const OpenOptions &options)
{
    const ModelFamily *family = modelFamily(familyId);
    if (!family)
        throw ModelError(path, "unknown model family '" + familyId + "'");
    return family->open(path, options);
}

CrossCheck exportModel(const FaceModel &model, const std::string &path)
{
    if (!model)
        throw ModelError(path, "no model to export");
    const ModelFamily *family = modelFamily(model.family());
    if (!family)
        throw ModelError(path, "unknown model family '" + model.family() + "'");
    return family->exportTo(model, path);
}

} // namespace facelab::nn
