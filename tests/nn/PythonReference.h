#pragma once
// What the tests that compare with PyTorch share: Debian's interpreter, whether it has the modules
// a reference script needs, and reading the raw float32 files those scripts write.
#include <QFile>
#include <QProcess>
#include <QString>
#include <torch/torch.h>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace facelab::test {

// Debian's interpreter: the one python3-torch is installed for (PATH may hold another).
inline QString python()
{
    return QFile::exists("/usr/bin/python3") ? QStringLiteral("/usr/bin/python3") : QStringLiteral("python3");
}

// True when `python() -c "import <modules>"` succeeds (e.g. "torch" or "torch, numpy").
inline bool pythonHas(const QString &modules)
{
    QProcess probe;
    probe.start(python(), {QStringLiteral("-c"), QStringLiteral("import ") + modules});
    return probe.waitForFinished(60000) && probe.exitStatus() == QProcess::NormalExit && probe.exitCode() == 0;
}

// A C-order float32 file written by numpy's tofile(), as a tensor of `shape`.
inline torch::Tensor readFloats(const QString &path, const std::vector<int64_t> &shape)
{
    auto t = torch::empty(shape, torch::kFloat);
    std::ifstream in(path.toStdString(), std::ios::binary);
    in.read(static_cast<char *>(t.data_ptr()), std::streamsize(t.numel() * 4));
    if (!in)
        throw std::runtime_error("cannot read " + path.toStdString());
    return t;
}

} // namespace facelab::test
