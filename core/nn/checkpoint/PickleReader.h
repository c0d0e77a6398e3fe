#pragma once
// The restricted unpickler: the opcodes pickle protocols 2-5 use for torch.save files, globals only
// from an allow-list (containers, tensor/parameter rebuild functions, storage types). It builds a
// small value tree; nothing from the file is ever called. Errors throw ModelError(label, problem).
#include "nn/checkpoint/TorchCheckpoint.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace facelab::nn::ckpt::detail {

// The globals a file may name. Anything else is refused at the GLOBAL opcode.
enum class GlobalId {
    OrderedDict,
    RebuildTensorV2,
    RebuildParameter,
    RebuildParameterWithState,
    RebuildFromTypeV2,
    StorageType,      // torch.FloatStorage & co; PyValue::dtype says which
    TorchSize,
    BuiltinSet,
    BuiltinFrozenSet,
    BuiltinDict,
    BuiltinList,
    BuiltinTuple,
    TensorType,       // torch.Tensor, only as _rebuild_from_type_v2's new_type
    ParameterType,    // torch.nn.parameter.Parameter, likewise
    CodecsEncode,     // _codecs.encode(text, 'latin1'): how Python 3 pickles bytes at protocol 2
};

enum class PyKind { None, Bool, Int, BigInt, Float, Str, Bytes, List, Tuple, Dict, Set, Global, Storage, Tensor };

struct TensorMeta
{
    DType dtype = DType::Float32;
    std::vector<int64_t> shape, stride;
    int64_t offset = 0;
    std::shared_ptr<Storage> storage;
    bool isParameter = false;
};

struct PyValue;
using PyRef = std::shared_ptr<PyValue>;

struct PyValue
{
    PyKind kind = PyKind::None;
    bool b = false;
    int64_t i = 0;
    double f = 0;
    std::string s;                 // Str, Bytes; BigInt: little-endian two's complement; Global: "module.name"
    GlobalId global = GlobalId::OrderedDict;
    DType dtype = DType::Float32;  // Global StorageType
    std::vector<PyRef> items;      // List, Tuple, Set
    std::vector<std::pair<PyRef, PyRef>> dict;
    std::shared_ptr<Storage> storage;      // Storage
    std::unique_ptr<TensorMeta> tensor;    // Tensor
};

// Called for BINPERSID with the persistent id; returns the value (a Storage) or throws.
using PersistentLoad = std::function<PyRef(const PyRef &pid)>;

class Unpickler
{
public:
    // `data` must outlive the Unpickler; `base` is the offset of data within the file (messages).
    Unpickler(std::string_view data, std::string label, PersistentLoad persistentLoad, size_t base = 0);
    ~Unpickler(); // breaks reference cycles a hostile pickle may have built
    Unpickler(const Unpickler &) = delete;
    Unpickler &operator=(const Unpickler &) = delete;

    // Runs to STOP and returns the result. The values stay valid while the Unpickler lives.
    PyRef load();
    // Bytes consumed by load() (the next pickle of a legacy file starts there).
    size_t consumed() const { return m_pos; }

    static constexpr size_t kMaxStack = 1 << 20;
    static constexpr size_t kMaxMemo = 1 << 20;
    static constexpr size_t kMaxObjects = 4 << 20;

private:
    std::string_view m_data;
    std::string m_label;
    PersistentLoad m_persistentLoad;
    size_t m_base;
    size_t m_pos = 0;
    std::vector<PyRef> m_containers; // every container made, to break cycles at the end
    friend class UnpicklerRun;
};

// Python-style text of a scalar leaf: 25, 0.1, 1e-05, 'x' -> x, True, None, b'..'.
std::string pyScalarText(const PyValue &v);
// The decimal text of a little-endian two's complement integer.
std::string bigIntText(const std::string &le);

} // namespace facelab::nn::ckpt::detail
