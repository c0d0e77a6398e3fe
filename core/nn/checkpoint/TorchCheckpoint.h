#pragma once
// Reading and writing `torch.save` files without Python and without running anything from them.
// Both formats: zip (PyTorch >= 1.6, any archive prefix) and the legacy stream. A restricted
// unpickler accepts only the opcodes torch.save emits and globals from an allow-list; anything else
// (a pickled nn.Module, os.system, ...) is refused naming the global. Torch-free and Qt-free: the
// families turn TensorEntry values into torch tensors themselves.
#include "nn/ModelError.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace facelab::nn::ckpt {

// The errors of this library are ModelErrors ("<file>: <problem>"); the alias names them here.
using CheckpointError = facelab::nn::ModelError;

enum class DType { Float32, Float64, Float16, BFloat16, Int64, Int32, Int16, Int8, UInt8, Bool };
const char *dtypeName(DType t);       // "float32", "float16", "int64", ...
int dtypeSize(DType t);

// Bytes of one storage; views (tensors) share it.
struct Storage
{
    DType dtype = DType::Float32;
    std::vector<uint8_t> bytes;
};

struct TensorEntry
{
    std::string path;                 // key path through nested dicts, dot-joined: "state_dict.features.module.conv1.weight"
    DType dtype = DType::Float32;
    std::vector<int64_t> shape;
    std::vector<int64_t> stride;      // in elements
    int64_t storageOffset = 0;        // in elements
    std::shared_ptr<const Storage> storage;
    bool isParameter = false;         // saved as torch.nn.Parameter

    int64_t numel() const;
    // The values in row-major order (strides applied), converted. Throws CheckpointError when the
    // view reaches outside its storage.
    std::vector<float> toFloat() const;
    std::vector<double> toDouble() const;
};

// A non-tensor leaf kept for the inspector ("epoch": "25", "arch": "iresnet100").
struct ScalarEntry
{
    std::string path;
    std::string value;                // printed as Python would (ints, floats, strings, None, True)
};

struct Checkpoint
{
    std::string path;
    std::string format;               // "zip" or "legacy"
    std::vector<TensorEntry> tensors; // in file order; every tensor in the file, nested ones included
    std::vector<ScalarEntry> scalars;

    // The tensor at exactly this path, or nullptr.
    const TensorEntry *find(const std::string &path) const;
};

// Throws ModelError (nn/ModelError.h) naming the file and the problem: missing, not a torch.save
// file, truncated, a forbidden global ("refused global 'posix.system'"), an unsupported opcode.
Checkpoint readTorchSave(const std::string &path);
// The same from bytes in memory; `label` names them in messages (fuzzing, tests).
Checkpoint readTorchSaveBytes(const std::string &bytes, const std::string &label);

// A state_dict entry to write: contiguous values of `dtype` in row-major order.
struct NamedTensor
{
    std::string name;
    DType dtype = DType::Float32;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;       // numel * dtypeSize(dtype)
};

// Writes an OrderedDict state_dict (or {topKey: state_dict, ...scalars} when topKey is set) in the
// zip format that torch.load reads, atomically (temp file + rename). Throws ModelError.
void writeTorchSave(const std::string &path, const std::vector<NamedTensor> &stateDict,
                    const std::string &topKey = {}, const std::map<std::string, std::string> &stringScalars = {});

// The checkpoint as the inspector's JSON: {"format", "tensors", "tree":[{"path","shape","dtype"}...],
// "scalars":{...}}; `family` and `closest` are added by the caller (families know them).
std::string checkpointTreeJson(const Checkpoint &c);

// A JSON string literal of `s` (quotes included; control characters escaped, invalid UTF-8 as
// U+FFFD): what every hand-written JSON of the model engine uses for names and paths.
std::string jsonQuoted(const std::string &s);

} // namespace facelab::nn::ckpt
