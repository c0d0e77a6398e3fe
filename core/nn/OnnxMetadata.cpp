#include "nn/OnnxMetadata.h"

#include "nn/ModelError.h"
#include "nn/OnnxExport.h"
#include "nn/OnnxModelFile.h"

namespace facelab::nn {

OnnxMetadata readOnnxMetadata(const std::string &path)
{
    OnnxMetadata m;
    const OnnxModelFile file = OnnxModelFile::load(path);   // owns the proto iterated below
    for (const auto &p : file.proto().metadata_props())
        m[p.key()] = p.value();
    return m;
}

void writeOnnxMetadata(const std::string &path, const OnnxMetadata &entries)
{
    onnx::ModelProto proto = OnnxModelFile::load(path).proto();
    auto *props = proto.mutable_metadata_props();
    for (int i = props->size() - 1; i >= 0; --i)
        if (entries.count(props->Get(i).key()))
            props->DeleteSubrange(i, 1);
    for (const auto &[key, value] : entries) {
        onnx::StringStringEntryProto *e = props->Add();
        e->set_key(key);
        e->set_value(value);
    }
    std::string bytes;
    if (!proto.SerializeToString(&bytes))
        throw ModelError(path, "the model cannot be serialized (over 2 GiB?)");
    writeFileAtomically(path, bytes);
}

} // namespace facelab::nn
