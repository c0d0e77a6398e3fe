#include "nn/OnnxExport.h"

#include "nn/ModelError.h"
#include "nn/OnnxGraphModule.h"
#include "nn/OnnxTensor.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace facelab::nn {

onnx::ModelProto exportedOnnxProto(const OnnxGraphModuleImpl &module)
{
    onnx::ModelProto out = module.file().proto();
    for (auto &init : *out.mutable_graph()->mutable_initializer()) {
        try {
            writeTensorToProto(module.initializerValue(init.name()), init);
        } catch (const std::exception &e) {
            throw ModelError(module.file().path(), std::string("export of initializer '") + init.name() + "': " + e.what());
        }
    }
    return out;
}

void writeFileAtomically(const std::string &path, const std::string &bytes)
{
    namespace fs = std::filesystem;
    const fs::path target(path);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string tmpl = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkstemp(tmpl.data());
    if (fd < 0)
        throw ModelError(path, std::string("cannot create a temporary file next to it: ") + std::strerror(errno));
    auto failWith = [&](const std::string &what) {
        const int err = errno;
        ::close(fd);
        ::unlink(tmpl.c_str());
        throw ModelError(path, what + ": " + std::strerror(err));
    };
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            failWith("write failed");
        }
        done += size_t(n);
    }
    if (::fsync(fd) != 0)
        failWith("fsync failed");
    ::fchmod(fd, 0644); // mkstemp creates 0600; a model file is an ordinary shareable file
    if (::close(fd) != 0) {
        ::unlink(tmpl.c_str());
        throw ModelError(path, std::string("close failed: ") + std::strerror(errno));
    }
    if (std::rename(tmpl.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmpl.c_str());
        throw ModelError(path, std::string("rename failed: ") + std::strerror(err));
    }
}

void exportOnnx(const OnnxGraphModuleImpl &module, const std::string &path)
{
    const onnx::ModelProto proto = exportedOnnxProto(module);
    std::string bytes;
    if (!proto.SerializeToString(&bytes)) // protobuf refuses messages over 2 GiB
        throw ModelError(path, "the model cannot be serialized (over 2 GiB?)");
    writeFileAtomically(path, bytes);
}

} // namespace facelab::nn
