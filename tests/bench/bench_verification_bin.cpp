// Benchmark (not a test): importing an InsightFace verification .bin into a project, the step that
// `facelab import PROJECT --bin FILE` runs.
//   bench_verification_bin FILE.bin PROJECT    imports (creating PROJECT) and prints the report and
//                                              the time: read + unpickle, write, probe, store
#include "data/VerificationBin.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <cstdio>

using namespace facelab;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: bench_verification_bin FILE.bin PROJECT\n");
        return 2;
    }
    try {
        const store::ProjectStore st = store::ProjectStore::open(QString::fromLocal8Bit(argv[2]), true);
        QElapsedTimer t;
        t.start();
        const data::VerificationBin bin = data::readVerificationBin(QString::fromLocal8Bit(argv[1]));
        const double readS = double(t.nsecsElapsed()) / 1e9;
        t.restart();
        jobs::PlainJobContext ctx;
        const data::ImportReport r = data::importVerificationBin(st, QString::fromLocal8Bit(argv[1]), ctx);
        const double importS = double(t.nsecsElapsed()) / 1e9;
        std::printf("verification bin: %zu images, %zu pairs; read+unpickle %.2f s; import (read again, write, probe, "
                    "store) %.2f s = %.0f images/s\n%s\n",
                    bin.images.size(), bin.issame.size(), readS, importS, double(bin.images.size()) / importS,
                    qPrintable(r.summary()));
        for (const auto &p : r.problems)
            std::printf("  %s\n", qPrintable(p.toString()));
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
