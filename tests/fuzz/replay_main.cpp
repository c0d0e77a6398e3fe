// test_fuzz_replay: every fuzz target's entry point over its corpus (tests/fuzz/corpus/<target>/),
// in the normal build without libFuzzer. An input that escapes with an exception the reader does
// not promise (each harness catches its own error type) or crashes fails the test, so a crash
// the fuzzer found and that was fixed stays fixed.
#include <QCoreApplication>
#include <QDir>
#include <QFile>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>

extern "C" int facelab_fuzz_pairs_file(const uint8_t *data, size_t size);
extern "C" int facelab_fuzz_image_probe(const uint8_t *data, size_t size);
#ifdef FACELAB_REPLAY_NN
extern "C" int facelab_fuzz_checkpoint(const uint8_t *data, size_t size);
extern "C" int facelab_fuzz_onnx_model(const uint8_t *data, size_t size);
#endif

namespace {

struct Target
{
    const char *corpus;
    int (*run)(const uint8_t *, size_t);
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const Target targets[] = {
        {"pairs_file", facelab_fuzz_pairs_file},
        {"image_probe", facelab_fuzz_image_probe},
#ifdef FACELAB_REPLAY_NN
        {"checkpoint", facelab_fuzz_checkpoint},
        {"onnx_model", facelab_fuzz_onnx_model},
#endif
    };
    int failures = 0;
    for (const Target &t : targets) {
        const QDir dir(QStringLiteral(FACELAB_FUZZ_CORPUS "/") + QLatin1String(t.corpus));
        const QStringList files = dir.entryList(QDir::Files, QDir::Name);
        if (files.isEmpty()) {
            std::fprintf(stderr, "FAIL %s: no corpus files in %s\n", t.corpus, qPrintable(dir.path()));
            ++failures;
            continue;
        }
        for (const QString &name : files) {
            QFile f(dir.filePath(name));
            if (!f.open(QIODevice::ReadOnly)) {
                std::fprintf(stderr, "FAIL %s/%s: cannot open\n", t.corpus, qPrintable(name));
                ++failures;
                continue;
            }
            const QByteArray bytes = f.readAll();
            try {
                t.run(reinterpret_cast<const uint8_t *>(bytes.constData()), size_t(bytes.size()));
            } catch (const std::exception &e) {
                std::fprintf(stderr, "FAIL %s/%s: unexpected exception: %s\n", t.corpus, qPrintable(name), e.what());
                ++failures;
            } catch (...) {
                std::fprintf(stderr, "FAIL %s/%s: unexpected non-std exception\n", t.corpus, qPrintable(name));
                ++failures;
            }
        }
        std::printf("%s: %lld corpus files replayed\n", t.corpus, static_cast<long long>(files.size()));
    }
    return failures == 0 ? 0 : 1;
}
