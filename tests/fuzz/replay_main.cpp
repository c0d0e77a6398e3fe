// test_fuzz_replay: every fuzz target's entry point over its corpus (tests/fuzz/corpus/<target>/),
// in the normal build without libFuzzer. An input that escapes with an exception the reader does
// not promise (each harness catches its own error type) or crashes fails the test, so a crash
// the fuzzer found and that was fixed stays fixed.
#include "DataPaths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QVector>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>

extern "C" int facelab_fuzz_pairs_file(const uint8_t *data, size_t size);
extern "C" int facelab_fuzz_image_probe(const uint8_t *data, size_t size);
extern "C" int facelab_fuzz_verdict_file(const uint8_t *data, size_t size);
#ifdef FACELAB_REPLAY_NN
extern "C" int facelab_fuzz_checkpoint(const uint8_t *data, size_t size);
extern "C" int facelab_fuzz_onnx_model(const uint8_t *data, size_t size);
#endif

namespace {

struct Target
{
    const char *corpus;
    int (*run)(const uint8_t *, size_t);
    bool fromModels = false;   // seeds: the models the set-up script fetched (the repository holds none)
};

struct Input
{
    QString name;
    QByteArray bytes;
    bool readable = true;
};

// A target's inputs: its corpus files, or each fetched ONNX model whole and cut short (a reader
// must refuse a truncated file, never read past its end).
QVector<Input> inputsOf(const Target &t)
{
    QVector<Input> inputs;
    const QDir dir = t.fromModels ? QDir(QString::fromStdString(facelab::modelsDir()))
                                  : QDir(QStringLiteral(FACELAB_FUZZ_CORPUS "/") + QLatin1String(t.corpus));
    const QStringList filters = t.fromModels ? QStringList{QStringLiteral("*.onnx")} : QStringList{};
    for (const QString &name : dir.entryList(filters, QDir::Files, QDir::Name)) {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::ReadOnly)) {
            inputs.append({name, QByteArray(), false});
            continue;
        }
        const QByteArray bytes = f.readAll();
        inputs.append({name, bytes});
        if (t.fromModels)
            for (qsizetype cut : {bytes.size() / 2, qsizetype(1024), qsizetype(100)})
                if (cut < bytes.size())
                    inputs.append({QStringLiteral("%1 (first %2 bytes)").arg(name).arg(cut), bytes.left(cut)});
    }
    return inputs;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const Target targets[] = {
        {"pairs_file", facelab_fuzz_pairs_file},
        {"image_probe", facelab_fuzz_image_probe},
        {"verdict_file", facelab_fuzz_verdict_file},
#ifdef FACELAB_REPLAY_NN
        {"checkpoint", facelab_fuzz_checkpoint},
        {"onnx_model", facelab_fuzz_onnx_model, true},
#endif
    };
    int failures = 0;
    for (const Target &t : targets) {
        const QVector<Input> inputs = inputsOf(t);
        if (inputs.isEmpty() && t.fromModels) {
            std::printf("SKIP %s: no ONNX model in %s (run packaging/fetch-models.sh)\n", t.corpus,
                        facelab::modelsDir().c_str());
            continue;
        }
        if (inputs.isEmpty()) {
            std::fprintf(stderr, "FAIL %s: no corpus files in %s/%s\n", t.corpus, FACELAB_FUZZ_CORPUS, t.corpus);
            ++failures;
            continue;
        }
        for (const Input &in : inputs) {
            if (!in.readable) {
                std::fprintf(stderr, "FAIL %s/%s: cannot open\n", t.corpus, qPrintable(in.name));
                ++failures;
                continue;
            }
            try {
                t.run(reinterpret_cast<const uint8_t *>(in.bytes.constData()), size_t(in.bytes.size()));
            } catch (const std::exception &e) {
                std::fprintf(stderr, "FAIL %s/%s: unexpected exception: %s\n", t.corpus, qPrintable(in.name), e.what());
                ++failures;
            } catch (...) {
                std::fprintf(stderr, "FAIL %s/%s: unexpected non-std exception\n", t.corpus, qPrintable(in.name));
                ++failures;
            }
        }
        std::printf("%s: %lld inputs replayed\n", t.corpus, static_cast<long long>(inputs.size()));
    }
    return failures == 0 ? 0 : 1;
}
