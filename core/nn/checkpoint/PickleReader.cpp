#include "nn/checkpoint/PickleReader.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <unordered_map>

namespace facelab::nn::ckpt::detail {

namespace {

namespace op {
constexpr uint8_t MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', BININT = 'J', BININT1 = 'K',
                  BININT2 = 'M', NONE = 'N', BINPERSID = 'Q', REDUCE = 'R', BINSTRING = 'T', SHORT_BINSTRING = 'U',
                  BINUNICODE = 'X', APPEND = 'a', BUILD = 'b', GLOBAL = 'c', DICT = 'd', EMPTY_DICT = '}',
                  APPENDS = 'e', BINGET = 'h', LONG_BINGET = 'j', LIST = 'l', EMPTY_LIST = ']', BINPUT = 'q',
                  LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u', BINFLOAT = 'G',
                  BINBYTES = 'B', SHORT_BINBYTES = 'C', PROTO = 0x80, NEWOBJ = 0x81, TUPLE1 = 0x85, TUPLE2 = 0x86,
                  TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b,
                  SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e, EMPTY_SET = 0x8f, ADDITEMS = 0x90,
                  FROZENSET = 0x91, NEWOBJ_EX = 0x92, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95;
}

const char *opName(uint8_t c)
{
    switch (c) {
    case 'I': return "INT (protocol 0 text)";
    case 'L': return "LONG (protocol 0 text)";
    case 'F': return "FLOAT (protocol 0 text)";
    case 'S': return "STRING (protocol 0 text)";
    case 'V': return "UNICODE (protocol 0 text)";
    case 'P': return "PERSID (protocol 0 text)";
    case 'g': return "GET (protocol 0 text)";
    case 'p': return "PUT (protocol 0 text)";
    case 'i': return "INST";
    case 'o': return "OBJ";
    case 0x82: case 0x83: case 0x84: return "EXT (extension registry)";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return nullptr;
    }
}

struct AllowedGlobal
{
    const char *module;
    const char *name;
    GlobalId id;
    DType dtype;
};

const AllowedGlobal kAllowed[] = {
    {"collections", "OrderedDict", GlobalId::OrderedDict, DType::Float32},
    // A scheduler's milestones (MultiStepLR in CryptoFace checkpoints): a dict of counts, read as a dict.
    {"collections", "Counter", GlobalId::OrderedDict, DType::Float32},
    {"torch._utils", "_rebuild_tensor_v2", GlobalId::RebuildTensorV2, DType::Float32},
    {"torch._utils", "_rebuild_parameter", GlobalId::RebuildParameter, DType::Float32},
    {"torch._utils", "_rebuild_parameter_with_state", GlobalId::RebuildParameterWithState, DType::Float32},
    {"torch._tensor", "_rebuild_from_type_v2", GlobalId::RebuildFromTypeV2, DType::Float32},
    {"torch", "Size", GlobalId::TorchSize, DType::Float32},
    {"torch", "Tensor", GlobalId::TensorType, DType::Float32},
    {"torch._tensor", "Tensor", GlobalId::TensorType, DType::Float32},
    {"torch.nn.parameter", "Parameter", GlobalId::ParameterType, DType::Float32},
    {"builtins", "set", GlobalId::BuiltinSet, DType::Float32},
    {"builtins", "frozenset", GlobalId::BuiltinFrozenSet, DType::Float32},
    {"builtins", "dict", GlobalId::BuiltinDict, DType::Float32},
    {"builtins", "list", GlobalId::BuiltinList, DType::Float32},
    {"builtins", "tuple", GlobalId::BuiltinTuple, DType::Float32},
    {"__builtin__", "set", GlobalId::BuiltinSet, DType::Float32},
    {"__builtin__", "frozenset", GlobalId::BuiltinFrozenSet, DType::Float32},
    {"__builtin__", "dict", GlobalId::BuiltinDict, DType::Float32},
    {"__builtin__", "list", GlobalId::BuiltinList, DType::Float32},
    {"__builtin__", "tuple", GlobalId::BuiltinTuple, DType::Float32},
    {"_codecs", "encode", GlobalId::CodecsEncode, DType::Float32},
};

const std::pair<const char *, DType> kStorageTypes[] = {
    {"FloatStorage", DType::Float32}, {"DoubleStorage", DType::Float64},  {"HalfStorage", DType::Float16},
    {"BFloat16Storage", DType::BFloat16}, {"LongStorage", DType::Int64}, {"IntStorage", DType::Int32},
    {"ShortStorage", DType::Int16},   {"CharStorage", DType::Int8},       {"ByteStorage", DType::UInt8},
    {"BoolStorage", DType::Bool},
};

// Why a global outside the allow-list is refused, worded for the person who saved the file.
std::string refusal(const std::string &module, const std::string &name)
{
    const std::string full = module + "." + name;
    static const char *const kCodeModules[] = {"os", "posix", "nt", "subprocess", "sys", "builtins", "__builtin__",
                                               "shutil", "socket", "runpy", "importlib", "pty", "ctypes", "code",
                                               "multiprocessing", "webbrowser", "pickle", "marshal", "types"};
    bool codeModule = false;
    for (const char *m : kCodeModules)
        codeModule = codeModule || module == m;
    const bool classLike = !name.empty() && name[0] >= 'A' && name[0] <= 'Z';
    std::string why;
    if (full == "torch.storage._load_from_bytes")
        why = "it would run torch.load on bytes embedded in the file";
    else if (!codeModule && (classLike || module == "__main__"))
        why = "the file holds a pickled Python object (a whole nn.Module?), not a state_dict; save model.state_dict() instead";
    else
        why = "a model file may not run code";
    return "refused global '" + full + "': " + why;
}

} // namespace

// One run of load(): the stack machine.
class UnpicklerRun
{
public:
    explicit UnpicklerRun(Unpickler &u) : u(u) {}

    PyRef run();

private:
    Unpickler &u;
    std::vector<PyRef> stack;
    std::vector<size_t> marks;
    std::unordered_map<uint32_t, PyRef> memo;
    size_t objects = 0;
    size_t opStart = 0;

    [[noreturn]] void fail(const std::string &problem) const
    {
        throw ModelError(u.m_label, "pickle: " + problem + " (at byte " + std::to_string(u.m_base + opStart) + ")");
    }

    size_t left() const { return u.m_data.size() - u.m_pos; }
    std::string_view take(uint64_t n)
    {
        if (n > left())
            fail("truncated data (" + std::to_string(n) + " bytes needed, " + std::to_string(left()) + " left)");
        const auto s = u.m_data.substr(u.m_pos, static_cast<size_t>(n));
        u.m_pos += static_cast<size_t>(n);
        return s;
    }
    uint64_t uint(int bytes)
    {
        const auto s = take(static_cast<uint64_t>(bytes));
        uint64_t v = 0;
        for (int k = bytes; k-- > 0;)
            v = (v << 8) | static_cast<uint8_t>(s[static_cast<size_t>(k)]);
        return v;
    }
    std::string line()
    {
        const size_t nl = u.m_data.find('\n', u.m_pos);
        if (nl == std::string_view::npos || nl - u.m_pos > 256)
            fail("truncated or overlong GLOBAL name");
        std::string s(u.m_data.substr(u.m_pos, nl - u.m_pos));
        u.m_pos = nl + 1;
        return s;
    }

    PyRef make(PyKind k)
    {
        if (++objects > Unpickler::kMaxObjects)
            fail("more than " + std::to_string(Unpickler::kMaxObjects) + " objects");
        auto v = std::make_shared<PyValue>();
        v->kind = k;
        if (k == PyKind::List || k == PyKind::Tuple || k == PyKind::Dict || k == PyKind::Set)
            u.m_containers.push_back(v);
        return v;
    }
    // Copies count against the object budget too: a hostile pickle could otherwise copy one big
    // list many times over with a few bytes per copy.
    void charge(size_t n)
    {
        objects += n;
        if (objects > Unpickler::kMaxObjects)
            fail("more than " + std::to_string(Unpickler::kMaxObjects) + " objects");
    }
    PyRef makeInt(int64_t i)
    {
        auto v = make(PyKind::Int);
        v->i = i;
        return v;
    }
    PyRef makeStr(std::string_view s, PyKind k = PyKind::Str)
    {
        auto v = make(k);
        v->s.assign(s);
        return v;
    }

    void push(PyRef v)
    {
        if (stack.size() >= Unpickler::kMaxStack)
            fail("stack deeper than " + std::to_string(Unpickler::kMaxStack));
        stack.push_back(std::move(v));
    }
    PyRef pop()
    {
        if (stack.empty() || (!marks.empty() && stack.size() <= marks.back()))
            fail("stack underflow");
        auto v = std::move(stack.back());
        stack.pop_back();
        return v;
    }
    PyRef &top()
    {
        if (stack.empty() || (!marks.empty() && stack.size() <= marks.back()))
            fail("stack underflow");
        return stack.back();
    }
    // Pops everything above the topmost mark, and the mark.
    std::vector<PyRef> popMark()
    {
        if (marks.empty())
            fail("no MARK on the stack");
        const size_t m = marks.back();
        marks.pop_back();
        std::vector<PyRef> items(std::make_move_iterator(stack.begin() + static_cast<ptrdiff_t>(m)),
                                 std::make_move_iterator(stack.end()));
        stack.resize(m);
        return items;
    }
    void memoPut(uint64_t idx)
    {
        if (memo.size() >= Unpickler::kMaxMemo && !memo.count(static_cast<uint32_t>(idx)))
            fail("memo larger than " + std::to_string(Unpickler::kMaxMemo));
        memo[static_cast<uint32_t>(idx)] = top();
    }
    void memoGet(uint64_t idx)
    {
        const auto it = memo.find(static_cast<uint32_t>(idx));
        if (it == memo.end())
            fail("memo entry " + std::to_string(idx) + " is not defined");
        push(it->second);
    }

    static bool isGlobal(const PyRef &v, GlobalId id) { return v && v->kind == PyKind::Global && v->global == id; }

    PyRef global(const std::string &module, const std::string &name)
    {
        for (const auto &a : kAllowed) {
            if (module == a.module && name == a.name) {
                auto v = makeStr(module + "." + name, PyKind::Global);
                v->global = a.id;
                v->dtype = a.dtype;
                return v;
            }
        }
        if (module == "torch" || module == "torch.cuda") {
            for (const auto &[n, dt] : kStorageTypes) {
                if (name == n) {
                    auto v = makeStr(module + "." + name, PyKind::Global);
                    v->global = GlobalId::StorageType;
                    v->dtype = dt;
                    return v;
                }
            }
            if (name.size() > 7 && name.compare(name.size() - 7, 7, "Storage") == 0)
                fail("unsupported storage type '" + module + "." + name + "' (complex, quantized or untyped tensors are not read)");
        }
        throw ModelError(u.m_label, refusal(module, name));
    }

    void setItem(const PyRef &target, PyRef key, PyRef value)
    {
        if (!target || target->kind != PyKind::Dict)
            fail("SETITEM(S) on something that is not a dict");
        // A repeated key is kept twice rather than searched for (a scan would be quadratic); torch.save
        // never repeats keys.
        target->dict.emplace_back(std::move(key), std::move(value));
    }

    std::vector<int64_t> intTuple(const PyRef &v, const char *what)
    {
        if (!v || (v->kind != PyKind::Tuple && v->kind != PyKind::List))
            fail(std::string(what) + " is not a tuple");
        if (v->items.size() > 64)
            fail(std::string(what) + " has more than 64 dimensions");
        std::vector<int64_t> out;
        for (const auto &x : v->items) {
            if (!x || x->kind != PyKind::Int || x->i < 0)
                fail(std::string(what) + " holds something that is not a non-negative int");
            out.push_back(x->i);
        }
        return out;
    }

    PyRef rebuildTensor(const std::vector<PyRef> &a)
    {
        // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (a.size() < 4 || a.size() > 7)
            fail("_rebuild_tensor_v2 with " + std::to_string(a.size()) + " arguments");
        if (!a[0] || a[0]->kind != PyKind::Storage || !a[0]->storage)
            fail("_rebuild_tensor_v2 without a storage");
        if (!a[1] || a[1]->kind != PyKind::Int || a[1]->i < 0)
            fail("_rebuild_tensor_v2 with a bad storage offset");
        auto t = make(PyKind::Tensor);
        t->tensor = std::make_unique<TensorMeta>();
        t->tensor->storage = a[0]->storage;
        t->tensor->dtype = a[0]->storage->dtype;
        t->tensor->offset = a[1]->i;
        t->tensor->shape = intTuple(a[2], "tensor size");
        t->tensor->stride = intTuple(a[3], "tensor stride");
        if (t->tensor->shape.size() != t->tensor->stride.size())
            fail("tensor size and stride differ in length");
        int64_t n = 1;
        for (int64_t s : t->tensor->shape)
            if (__builtin_mul_overflow(n, s, &n) || n > (int64_t(1) << 48))
                fail("tensor with an absurd number of elements");
        return t;
    }

    // _codecs.encode(text, 'latin1'): the text's code points (all below 256) as bytes. Data only;
    // no other codec is accepted.
    PyRef latin1Bytes(const std::vector<PyRef> &a)
    {
        if (a.size() != 2 || !a[0] || a[0]->kind != PyKind::Str || !a[1] || a[1]->kind != PyKind::Str ||
            (a[1]->s != "latin1" && a[1]->s != "latin-1"))
            fail("_codecs.encode other than (text, 'latin1')");
        const std::string &t = a[0]->s;   // UTF-8
        auto v = make(PyKind::Bytes);
        v->s.reserve(t.size());
        for (size_t k = 0; k < t.size(); ++k) {
            const auto c = static_cast<uint8_t>(t[k]);
            if (c < 0x80) {
                v->s.push_back(static_cast<char>(c));
            } else if ((c == 0xc2 || c == 0xc3) && k + 1 < t.size() && (static_cast<uint8_t>(t[k + 1]) & 0xc0) == 0x80) {
                v->s.push_back(static_cast<char>(((c & 0x03) << 6) | (static_cast<uint8_t>(t[k + 1]) & 0x3f)));
                ++k;
            } else {
                fail("_codecs.encode of text that is not latin-1");
            }
        }
        return v;
    }

    PyRef asParameter(const PyRef &data)
    {
        if (!data || data->kind != PyKind::Tensor)
            fail("_rebuild_parameter of something that is not a tensor");
        auto t = make(PyKind::Tensor);
        t->tensor = std::make_unique<TensorMeta>(*data->tensor);
        t->tensor->isParameter = true;
        return t;
    }

    PyRef emptyContainer(GlobalId id)
    {
        switch (id) {
        case GlobalId::OrderedDict:
        case GlobalId::BuiltinDict: return make(PyKind::Dict);
        case GlobalId::BuiltinSet:
        case GlobalId::BuiltinFrozenSet: return make(PyKind::Set);
        case GlobalId::BuiltinList: return make(PyKind::List);
        case GlobalId::BuiltinTuple: return make(PyKind::Tuple);
        default: return nullptr;
        }
    }

    PyRef call(const PyRef &fn, const std::vector<PyRef> &args, int depth = 0)
    {
        if (!fn || fn->kind != PyKind::Global)
            fail("REDUCE on something that is not an allowed global");
        switch (fn->global) {
        case GlobalId::OrderedDict:
        case GlobalId::BuiltinDict:
        case GlobalId::BuiltinSet:
        case GlobalId::BuiltinFrozenSet:
        case GlobalId::BuiltinList:
        case GlobalId::BuiltinTuple: {
            auto c = emptyContainer(fn->global);
            if (args.size() > 1)
                fail(fn->s + " called with " + std::to_string(args.size()) + " arguments");
            if (args.size() == 1) {
                const auto &src = args[0];
                if (!src)
                    fail(fn->s + " of nothing");
                charge(src->items.size() + src->dict.size());
                if (c->kind == PyKind::Dict) {
                    if (src->kind == PyKind::Dict)
                        c->dict = src->dict;
                    else if (src->kind == PyKind::List || src->kind == PyKind::Tuple) {
                        for (const auto &p : src->items) {
                            if (!p || p->kind != PyKind::Tuple || p->items.size() != 2)
                                fail(fn->s + " of something that is not (key, value) pairs");
                            c->dict.emplace_back(p->items[0], p->items[1]);
                        }
                    } else
                        fail(fn->s + " of an unsupported value");
                } else {
                    if (src->kind == PyKind::List || src->kind == PyKind::Tuple || src->kind == PyKind::Set)
                        c->items = src->items;
                    else
                        fail(fn->s + " of an unsupported value");
                }
            }
            return c;
        }
        case GlobalId::TorchSize: {
            auto t = make(PyKind::Tuple);
            if (args.size() == 1 && args[0] && (args[0]->kind == PyKind::Tuple || args[0]->kind == PyKind::List)) {
                charge(args[0]->items.size());
                t->items = args[0]->items;
            }
            else if (!args.empty())
                fail("torch.Size of an unsupported value");
            return t;
        }
        case GlobalId::CodecsEncode: return latin1Bytes(args);
        case GlobalId::RebuildTensorV2: return rebuildTensor(args);
        case GlobalId::RebuildParameter:
        case GlobalId::RebuildParameterWithState:
            if (args.empty())
                fail("_rebuild_parameter without arguments");
            return asParameter(args[0]);
        case GlobalId::RebuildFromTypeV2: {
            // _rebuild_from_type_v2(func, new_type, args, state): func must itself be allowed.
            if (depth > 0 || args.size() != 4)
                fail("_rebuild_from_type_v2 with unexpected arguments");
            const auto &f = args[0];
            if (!f || f->kind != PyKind::Global ||
                (f->global != GlobalId::RebuildTensorV2 && f->global != GlobalId::RebuildParameter &&
                 f->global != GlobalId::RebuildParameterWithState))
                fail("_rebuild_from_type_v2 of a function that is not allowed");
            if (!isGlobal(args[1], GlobalId::TensorType) && !isGlobal(args[1], GlobalId::ParameterType))
                fail("_rebuild_from_type_v2 to a type other than torch.Tensor / torch.nn.Parameter");
            if (!args[2] || args[2]->kind != PyKind::Tuple)
                fail("_rebuild_from_type_v2 without an argument tuple");
            auto t = call(f, args[2]->items, depth + 1);
            if (!t || t->kind != PyKind::Tensor)
                fail("_rebuild_from_type_v2 did not give a tensor");
            if (isGlobal(args[1], GlobalId::ParameterType))
                t->tensor->isParameter = true;
            return t;
        }
        case GlobalId::StorageType:
        case GlobalId::TensorType:
        case GlobalId::ParameterType: break;
        }
        fail("calling '" + fn->s + "' is not allowed");
    }
};

PyRef UnpicklerRun::run()
{
    for (;;) {
        opStart = u.m_pos;
        if (left() == 0)
            fail("truncated: the pickle ends without STOP");
        const uint8_t code = static_cast<uint8_t>(u.m_data[u.m_pos++]);
        switch (code) {
        case op::PROTO: {
            const auto p = uint(1);
            if (p > 5)
                fail("unsupported pickle protocol " + std::to_string(p));
            break;
        }
        case op::FRAME: uint(8); break; // frames are only a read-ahead hint
        case op::STOP: {
            if (!marks.empty() || stack.size() != 1 || !stack.back())
                fail("malformed pickle at STOP");
            return stack.back();
        }
        case op::MARK:
            if (marks.size() >= Unpickler::kMaxStack)
                fail("too many MARKs");
            marks.push_back(stack.size());
            break;
        case op::POP:
            if (!marks.empty() && stack.size() == marks.back())
                marks.pop_back(); // popping a mark, as pickle does
            else
                pop();
            break;
        case op::POP_MARK: popMark(); break;
        case op::DUP: push(top()); break;
        case op::NONE: push(make(PyKind::None)); break;
        case op::NEWTRUE:
        case op::NEWFALSE: {
            auto v = make(PyKind::Bool);
            v->b = code == op::NEWTRUE;
            push(v);
            break;
        }
        case op::BININT: push(makeInt(static_cast<int32_t>(static_cast<uint32_t>(uint(4))))); break;
        case op::BININT1: push(makeInt(static_cast<int64_t>(uint(1)))); break;
        case op::BININT2: push(makeInt(static_cast<int64_t>(uint(2)))); break;
        case op::LONG1:
        case op::LONG4: {
            uint64_t n = code == op::LONG1 ? uint(1) : uint(4);
            if (code == op::LONG4 && (n & 0x80000000u))
                fail("negative LONG4 length");
            if (n > 4096)
                fail("integer of " + std::to_string(n) + " bytes");
            const auto bytes = take(n);
            if (n <= 8) {
                uint64_t v = 0;
                for (size_t k = n; k-- > 0;)
                    v = (v << 8) | static_cast<uint8_t>(bytes[k]);
                if (n > 0 && n < 8 && (static_cast<uint8_t>(bytes[n - 1]) & 0x80))
                    v |= ~uint64_t(0) << (8 * n); // sign-extend
                push(makeInt(static_cast<int64_t>(v)));
            } else {
                push(makeStr(bytes, PyKind::BigInt));
            }
            break;
        }
        case op::BINFLOAT: {
            const auto s = take(8);
            uint64_t bits = 0;
            for (size_t k = 0; k < 8; ++k)
                bits = (bits << 8) | static_cast<uint8_t>(s[k]); // big-endian
            auto v = make(PyKind::Float);
            std::memcpy(&v->f, &bits, 8);
            push(v);
            break;
        }
        case op::BINUNICODE: push(makeStr(take(uint(4)))); break;
        case op::SHORT_BINUNICODE: push(makeStr(take(uint(1)))); break;
        case op::BINUNICODE8: push(makeStr(take(uint(8)))); break;
        case op::BINSTRING: {
            const auto n = static_cast<int32_t>(static_cast<uint32_t>(uint(4)));
            if (n < 0)
                fail("negative BINSTRING length");
            push(makeStr(take(static_cast<uint64_t>(n))));
            break;
        }
        case op::SHORT_BINSTRING: push(makeStr(take(uint(1)))); break;
        case op::BINBYTES: push(makeStr(take(uint(4)), PyKind::Bytes)); break;
        case op::SHORT_BINBYTES: push(makeStr(take(uint(1)), PyKind::Bytes)); break;
        case op::BINBYTES8: push(makeStr(take(uint(8)), PyKind::Bytes)); break;
        case op::EMPTY_DICT: push(make(PyKind::Dict)); break;
        case op::EMPTY_LIST: push(make(PyKind::List)); break;
        case op::EMPTY_TUPLE: push(make(PyKind::Tuple)); break;
        case op::EMPTY_SET: push(make(PyKind::Set)); break;
        case op::TUPLE1:
        case op::TUPLE2:
        case op::TUPLE3: {
            const size_t n = static_cast<size_t>(code - op::TUPLE1 + 1);
            auto t = make(PyKind::Tuple);
            t->items.resize(n);
            for (size_t k = n; k-- > 0;)
                t->items[k] = pop();
            push(t);
            break;
        }
        case op::TUPLE: {
            auto t = make(PyKind::Tuple);
            t->items = popMark();
            push(t);
            break;
        }
        case op::LIST: {
            auto l = make(PyKind::List);
            l->items = popMark();
            push(l);
            break;
        }
        case op::FROZENSET: {
            auto l = make(PyKind::Set);
            l->items = popMark();
            push(l);
            break;
        }
        case op::DICT: {
            auto items = popMark();
            if (items.size() % 2)
                fail("DICT with an odd number of items");
            auto d = make(PyKind::Dict);
            for (size_t k = 0; k < items.size(); k += 2)
                setItem(d, items[k], items[k + 1]);
            push(d);
            break;
        }
        case op::APPEND: {
            auto v = pop();
            auto &l = top();
            if (l->kind != PyKind::List && l->kind != PyKind::Set)
                fail("APPEND to something that is not a list");
            l->items.push_back(std::move(v));
            break;
        }
        case op::APPENDS:
        case op::ADDITEMS: {
            auto items = popMark();
            auto &l = top();
            if (l->kind != PyKind::List && l->kind != PyKind::Set)
                fail("APPENDS to something that is not a list");
            for (auto &v : items)
                l->items.push_back(std::move(v));
            break;
        }
        case op::SETITEM: {
            auto v = pop();
            auto k = pop();
            setItem(top(), std::move(k), std::move(v));
            break;
        }
        case op::SETITEMS: {
            auto items = popMark();
            if (items.size() % 2)
                fail("SETITEMS with an odd number of items");
            auto &d = top();
            for (size_t k = 0; k < items.size(); k += 2)
                setItem(d, std::move(items[k]), std::move(items[k + 1]));
            break;
        }
        case op::BINPUT: memoPut(uint(1)); break;
        case op::LONG_BINPUT: memoPut(uint(4)); break;
        case op::MEMOIZE: memoPut(memo.size()); break;
        case op::BINGET: memoGet(uint(1)); break;
        case op::LONG_BINGET: memoGet(uint(4)); break;
        case op::GLOBAL: {
            const auto module = line();
            const auto name = line();
            push(global(module, name));
            break;
        }
        case op::STACK_GLOBAL: {
            auto name = pop();
            auto module = pop();
            if (name->kind != PyKind::Str || module->kind != PyKind::Str)
                fail("STACK_GLOBAL with names that are not strings");
            if (name->s.size() > 256 || module->s.size() > 256)
                fail("overlong STACK_GLOBAL name");
            push(global(module->s, name->s));
            break;
        }
        case op::REDUCE: {
            auto args = pop();
            auto fn = pop();
            if (args->kind != PyKind::Tuple)
                fail("REDUCE with arguments that are not a tuple");
            push(call(fn, args->items));
            break;
        }
        case op::NEWOBJ:
        case op::NEWOBJ_EX: {
            if (code == op::NEWOBJ_EX)
                pop(); // kwargs
            auto args = pop();
            auto cls = pop();
            PyRef c = cls->kind == PyKind::Global ? emptyContainer(cls->global) : nullptr;
            if (!c)
                fail("NEWOBJ of '" + (cls->kind == PyKind::Global ? cls->s : std::string("a non-class")) + "' is not allowed");
            push(c);
            break;
        }
        case op::BUILD: {
            auto state = pop();
            auto &obj = top();
            // OrderedDict state (state_dict._metadata) and tensor state dicts: accepted, ignored.
            const auto stateOk = [](const PyRef &s) { return s->kind == PyKind::Dict || s->kind == PyKind::None; };
            const bool ok = stateOk(state) ||
                            (state->kind == PyKind::Tuple && state->items.size() == 2 && stateOk(state->items[0]) &&
                             stateOk(state->items[1]));
            if (!ok || (obj->kind != PyKind::Dict && obj->kind != PyKind::Tensor))
                fail("BUILD is only accepted with a dict state on a dict or tensor");
            break;
        }
        case op::BINPERSID: {
            auto pid = pop();
            if (!u.m_persistentLoad)
                fail("persistent id where none is expected");
            auto v = u.m_persistentLoad(pid);
            if (!v)
                fail("persistent id not resolved");
            ++objects;
            push(std::move(v));
            break;
        }
        default: {
            const char *name = opName(code);
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", code);
            fail(std::string("unsupported opcode ") + hex + (name ? std::string(" ") + name : std::string()) +
                 " (not a torch.save pickle, or a damaged one)");
        }
        }
    }
}

Unpickler::Unpickler(std::string_view data, std::string label, PersistentLoad persistentLoad, size_t base)
    : m_data(data), m_label(std::move(label)), m_persistentLoad(std::move(persistentLoad)), m_base(base)
{
}

Unpickler::~Unpickler()
{
    // Clearing every container first means no destructor chain recurses deeply or leaks a cycle.
    for (auto &c : m_containers) {
        c->items.clear();
        c->dict.clear();
    }
}

PyRef Unpickler::load()
{
    UnpicklerRun run(*this);
    return run.run();
}

std::string bigIntText(const std::string &le)
{
    if (le.empty())
        return "0";
    std::vector<uint8_t> mag(le.begin(), le.end()); // little-endian
    const bool negative = mag.back() & 0x80;
    if (negative) { // two's complement -> magnitude
        int carry = 1;
        for (auto &b : mag) {
            const int v = (~b & 0xff) + carry;
            b = static_cast<uint8_t>(v & 0xff);
            carry = v >> 8;
        }
    }
    std::string digits;
    for (;;) {
        bool zero = true;
        for (uint8_t b : mag)
            zero = zero && b == 0;
        if (zero)
            break;
        unsigned rem = 0;
        for (size_t k = mag.size(); k-- > 0;) {
            const unsigned cur = (rem << 8) | mag[k];
            mag[k] = static_cast<uint8_t>(cur / 10);
            rem = cur % 10;
        }
        digits.push_back(static_cast<char>('0' + rem));
    }
    if (digits.empty())
        digits = "0";
    if (negative)
        digits.push_back('-');
    return std::string(digits.rbegin(), digits.rend());
}

namespace {

std::string floatRepr(double d)
{
    if (std::isnan(d))
        return "nan";
    if (std::isinf(d))
        return d < 0 ? "-inf" : "inf";
    // Shortest digits that round-trip, then Python's repr layout.
    char buf[40];
    int prec = 1;
    for (; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        if (std::strtod(buf, nullptr) == d)
            break;
    }
    std::string s(buf);
    const size_t e = s.find('e');
    std::string mant = s.substr(0, e);
    const int exp = std::atoi(s.c_str() + e + 1);
    std::string sign;
    if (mant[0] == '-') {
        sign = "-";
        mant.erase(0, 1);
    }
    std::string digits;
    for (char c : mant)
        if (c != '.')
            digits.push_back(c);
    while (digits.size() > 1 && digits.back() == '0')
        digits.pop_back();
    if (exp >= -4 && exp < 16) {
        std::string out;
        if (exp < 0)
            out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
        else if (static_cast<int>(digits.size()) <= exp + 1)
            out = digits + std::string(static_cast<size_t>(exp + 1) - digits.size(), '0') + ".0";
        else
            out = digits.substr(0, static_cast<size_t>(exp + 1)) + "." + digits.substr(static_cast<size_t>(exp + 1));
        return sign + out;
    }
    std::string out = digits.substr(0, 1);
    if (digits.size() > 1)
        out += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return sign + out + ebuf;
}

} // namespace

std::string pyScalarText(const PyValue &v)
{
    switch (v.kind) {
    case PyKind::None: return "None";
    case PyKind::Bool: return v.b ? "True" : "False";
    case PyKind::Int: return std::to_string(v.i);
    case PyKind::BigInt: return bigIntText(v.s);
    case PyKind::Float: return floatRepr(v.f);
    case PyKind::Str: return v.s;
    case PyKind::Bytes: {
        std::string out = "b'";
        for (unsigned char c : v.s) {
            if (c == '\\' || c == '\'') {
                out += '\\';
                out += static_cast<char>(c);
            } else if (c >= 0x20 && c < 0x7f) {
                out += static_cast<char>(c);
            } else {
                char hex[8];
                std::snprintf(hex, sizeof hex, "\\x%02x", c);
                out += hex;
            }
        }
        return out + "'";
    }
    default: return {};
    }
}

} // namespace facelab::nn::ckpt::detail
