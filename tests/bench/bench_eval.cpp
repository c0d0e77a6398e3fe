// bench_eval: one full evaluation (threshold metrics, ROC, AUC, EER, TAR at FAR, best threshold,
// 10-fold) of 1,000,000 scored pairs, timed, next to a numpy sort-based ROC/AUC of the same
// scores (the reference; its AUC must agree). Prints both times and the ratio.
// Usage: bench_eval [PAIRS]
#include "eval/Evaluation.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>
#include <cmath>
#include <random>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const qint64 n = argc > 1 ? QString::fromLocal8Bit(argv[1]).toLongLong() : 1000000;
    QTextStream out(stdout);

    // Cosine-like scores: same pairs ~N(0.55, 0.15), different ~N(0.1, 0.12), rounded to 1e-4 so
    // ties are common, as with scores stored at limited precision.
    std::mt19937_64 rng(42);
    std::normal_distribution<double> sameDist(0.55, 0.15), diffDist(0.1, 0.12);
    std::bernoulli_distribution coin(0.5);
    std::vector<double> scores(static_cast<std::size_t>(n));
    std::vector<unsigned char> same(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < scores.size(); ++i) {
        same[i] = coin(rng);
        scores[i] = std::round((same[i] ? sameDist(rng) : diffDist(rng)) * 1e4) / 1e4;
    }

    QElapsedTimer t;
    t.start();
    facelab::eval::EvalOptions o;
    o.threshold = 0.35;
    const facelab::eval::EvalResult r = facelab::eval::evaluateScores(scores, same, o, "bench");
    const double ours = double(t.nsecsElapsed()) / 1e9;
    out << "pairs " << n << ", distinct scores " << r.roc.points().size() - 1 << "\n"
        << "facelab eval: " << QString::number(ours, 'f', 3) << " s (AUC " << QString::number(r.auc, 'f', 9) << ", EER "
        << QString::number(r.eer, 'f', 6) << ", best accuracy " << QString::number(r.best.accuracy(), 'f', 6)
        << ", 10-fold " << QString::number(r.kfold.accuracyMean, 'f', 6) << " +- "
        << QString::number(r.kfold.accuracyStd, 'f', 6) << ", TAR@1e-4 "
        << (r.tarAtFar[3].tar ? QString::number(*r.tarAtFar[3].tar, 'f', 6) : QStringLiteral("n/a")) << ")\n";
    out.flush();

    QTemporaryDir dir;
    QFile f(dir.filePath("scores.f64"));
    if (!f.open(QIODevice::WriteOnly))
        return 1;
    std::vector<double> interleaved;
    interleaved.reserve(scores.size() * 2);
    for (std::size_t i = 0; i < scores.size(); ++i) {
        interleaved.push_back(scores[i]);
        interleaved.push_back(same[i]);
    }
    f.write(reinterpret_cast<const char *>(interleaved.data()), qint64(interleaved.size() * sizeof(double)));
    f.close();
    QProcess py;
    // Debian's interpreter first: python3-numpy is installed for it, a python3 earlier in PATH
    // (pyenv) may lack numpy.
    const QString python = QFile::exists("/usr/bin/python3") ? QStringLiteral("/usr/bin/python3") : QStringLiteral("python3");
    py.start(python, {BENCH_EVAL_NUMPY, f.fileName()});
    if (!py.waitForFinished(600000) || py.exitCode() != 0) {
        out << "numpy reference unavailable: " << py.readAllStandardError() << "\n";
        return 0;
    }
    const QStringList ref = QString::fromUtf8(py.readAllStandardOutput()).split(' ', Qt::SkipEmptyParts);
    const double refAuc = ref.value(0).toDouble(), refBest = ref.value(1).toDouble(), refSecs = ref.value(2).toDouble();
    out << "numpy ROC+AUC+best threshold only (sort-based): " << QString::number(refSecs, 'f', 3) << " s (AUC "
        << QString::number(refAuc, 'f', 9) << ", best accuracy " << QString::number(refBest, 'f', 6) << ")\n"
        << "ratio facelab / numpy: " << QString::number(ours / refSecs, 'f', 2)
        << " (facelab also computes EER, TAR at 4 FARs and 10 folds)\n"
        << "agreement: |AUC diff| " << std::abs(refAuc - r.auc) << ", |best accuracy diff| "
        << std::abs(refBest - r.best.accuracy()) << "\n";
    return std::abs(refAuc - r.auc) < 1e-9 && std::abs(refBest - r.best.accuracy()) < 1e-12 ? 0 : 3;
}
