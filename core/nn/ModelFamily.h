#pragma once
// Model families and their registry. A family knows which files it accepts, how to inspect one
// (a load report, before anything is registered), how to open it as a FaceModel and how to export
// it. The model table's `family` column names the family; everything dispatches on it here.
// Torch-free header.
#include "nn/FaceModel.h"
#include "nn/Preprocessing.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace facelab::nn {

// The comparison of a loaded network with a second runtime (OpenCV dnn for ONNX, the unfused
// network for a fused PatchCNN, ...). Not applicable is not a failure: a family without a second
// runtime says so in `note`.
struct CrossCheck
{
    bool applicable = false;
    std::string runtime;                 // "OpenCV dnn", ... ("" when not applicable)
    double maxAbsDiff = std::numeric_limits<double>::quiet_NaN();
    double tolerance = 1e-4;
    std::string note;                    // why not applicable / why it failed to run
    bool ran() const { return applicable && maxAbsDiff == maxAbsDiff; }
    bool agrees() const { return ran() && maxAbsDiff <= tolerance; }
};

// What opening a file would load. Tensor counts are of the network's state (parameters and
// buffers); `missing` are network tensors the file lacks, `unexpected` file tensors the network
// has no place for (training heads dropped by name and shape are listed in `dropped` instead),
// `mismatched` are names present on both sides with different shapes ("name: file [a,b] vs net [c,d]").
struct LoadReport
{
    std::string path;
    std::string family;                  // family id
    std::string architecture;            // "iresnet100", "pcnn96", "onnx opset 9", ...
    int64_t tensorsLoaded = 0;
    int64_t tensorsExpected = 0;
    std::vector<std::string> missing;
    std::vector<std::string> unexpected;
    std::vector<std::string> mismatched;
    std::vector<std::string> dropped;    // training heads and the like, not part of the embedding
    int64_t parameterCount = 0;          // trainable scalars
    int inputWidth = 112, inputHeight = 112;
    int embeddingDim = 0;
    std::optional<Preprocessing> preprocessing; // the family's convention, when it has one
    CrossCheck crossCheck;
    double fusedMaxAbsDiff = std::numeric_limits<double>::quiet_NaN(); // PatchCNN fused vs unfused
    std::vector<std::string> notes;
    std::string refusal;                 // non-empty: the file cannot be used at all (unsupported operators, not an image model)
    std::string detailsJson;             // family-specific facts (ONNX: ops, inputs, outputs) as a JSON object

    bool complete() const
    {
        return tensorsLoaded == tensorsExpected && missing.empty() && mismatched.empty();
    }
    // "925 of 925 tensors", or "475 of 925 tensors (450 missing, 2 shape mismatches)".
    std::string countsText() const;
};

struct OpenOptions
{
    bool allowPartial = false;           // open below complete (the version is then marked partial)
    std::optional<Preprocessing> preprocessing; // overrides the family's convention
};

class ModelFamily
{
public:
    virtual ~ModelFamily() = default;
    virtual std::string id() const = 0;           // "onnx", "iresnet", "mbf", "pcnn", "torchscript"
    virtual std::string displayName() const = 0;  // "ONNX graph", "iResNet (ArcFace / MagFace)"
    // Whether the file looks like one of this family's (cheap: magic bytes and a look at the keys).
    virtual bool accepts(const std::string &path) const = 0;
    // Reads the file and reports what would load, without keeping the network. Throws ModelError
    // for a file that is not of this family at all (unreadable, wrong format).
    virtual LoadReport inspect(const std::string &path) const = 0;
    // Opens the file as a network. Throws ModelError below a complete load unless allowPartial.
    virtual FaceModel open(const std::string &path, const OpenOptions &options = {}) const = 0;
    // Suffix of the family's own format, and the formats export can write (".onnx", ".pth", ...).
    virtual std::string fileSuffix() const = 0;
    virtual std::vector<std::string> exportFormats() const = 0;
    // Writes `model` (of this family) to `path` in the format its suffix names, one of
    // exportFormats(), and cross-checks the written file where a second runtime reads it. The
    // default writes the family's own format (FaceModel::save) with no cross-check. Throws ModelError.
    virtual CrossCheck exportTo(const FaceModel &model, const std::string &path) const;
};

// Every registered family, in detection order.
const std::vector<const ModelFamily *> &modelFamilies();
// nullptr when unknown.
const ModelFamily *modelFamily(const std::string &id);
// The first family that accepts the file; nullptr when none does.
const ModelFamily *detectModelFamily(const std::string &path);

// Opens a file of a known family (by id) with its load report checked (below complete only with
// options.allowPartial). Throws ModelError naming the file, or for an unknown family.
FaceModel openModel(const std::string &familyId, const std::string &path, const OpenOptions &options);

// Writes `model` to `path` through its family's exportTo (an export is checked like an import).
CrossCheck exportModel(const FaceModel &model, const std::string &path);

} // namespace facelab::nn
