// Test helper: records verdicts on every pair of PROJECT in a loop, printing "ack FEEDBACK_ID
// PAIR_ID VERDICT" only after FeedbackTable::add has returned (the commit point), until killed.
#include "store/FeedbackTable.h"
#include "store/PairTable.h"

#include <QCoreApplication>
#include <cstdio>

using namespace facelab::store;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 2)
        return 2;
    const ProjectStore st = ProjectStore::open(QString::fromLocal8Bit(argv[1]));
    const QVector<qint64> ids = PairTable(st).queueOrder();
    FeedbackTable fb(st);
    std::printf("ready\n");
    std::fflush(stdout);
    for (quint64 n = 0;; ++n) {
        const qint64 pair = ids[qsizetype(n % quint64(ids.size()))];
        const Verdict v = n % 3 == 0 ? Verdict::Same : n % 3 == 1 ? Verdict::Different : Verdict::Skip;
        const qint64 id = fb.add(pair, v);
        if (n % 7 == 6)
            fb.undoLast();   // undo is part of the stream too: it must survive a kill as well
        std::printf("ack %lld %lld %s %d\n", (long long)id, (long long)pair, qPrintable(verdictName(v)),
                    n % 7 == 6 ? 1 : 0);
        std::fflush(stdout);
    }
}
