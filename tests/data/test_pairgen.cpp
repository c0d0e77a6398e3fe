// Pair generation: balance, determinism, no duplicates or self pairs, truth from identities,
// and both split methods.
#include "common/TestImages.h"
#include "data/IdentityFolderImport.h"
#include "data/PairGenerator.h"
#include "store/ImageTable.h"
#include "store/PairTable.h"
#include "store/StoreError.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace facelab;

namespace {
// A project whose images are rows only (the generator never reads pixels).
store::ProjectStore makeProject(const QString &folder, int identities, int perIdentity)
{
    const auto st = store::ProjectStore::open(folder, true);
    store::ImageTable t(st);
    const qint64 root = t.ensureRoot("/faces", "identities");
    store::Transaction tx(st.db());
    for (int k = 0; k < identities; ++k) {
        const qint64 idt = t.ensureIdentity(QStringLiteral("P%1").arg(k));
        for (int i = 0; i < perIdentity; ++i)
            t.insert(root, {QStringLiteral("P%1/%2.jpg").arg(k).arg(i), QStringLiteral("%1-%2").arg(k).arg(i), 1, 112, 112, idt});
    }
    tx.commit();
    return st;
}

QStringList signature(const store::ProjectStore &st)
{
    QStringList s;
    for (const auto &p : store::PairTable(st).all())
        s << QStringLiteral("%1|%2|%3|%4").arg(p.a.relPath, p.b.relPath).arg(*p.truth).arg(p.split);
    return s;
}
} // namespace

class PairGenTest : public QObject
{
    Q_OBJECT
private slots:
    void balancedWithoutDuplicatesOrSelfPairs();
    void deterministicForASeed();
    void secondRunAddsOnlyNewPairs();
    void identityDisjointKeepsPeopleInOneSplit();
    void identityDisjointFallsBackWhenTooFewPeople();
    void reportsShortageOfSamePairs();
    void refusesProjectsWithoutIdentities();
    void neverPairsAnImageWithItselfOrACopy();
};

void PairGenTest::balancedWithoutDuplicatesOrSelfPairs()
{
    QTemporaryDir dir;
    const auto st = makeProject(dir.path(), 30, 6);
    data::PairGenOptions o;   // the seed's 200 pairs over 10 identities
    const auto r = data::generatePairs(st, o);
    QCOMPARE(r.same, 100);
    QCOMPARE(r.different, 100);
    QCOMPARE(r.identitiesUsed, 10);
    QCOMPARE(r.train + r.validation + r.test, 200);
    QCOMPARE(r.train, 140);
    QCOMPARE(r.validation, 30);
    QVERIFY(r.notes.isEmpty());
    QSet<quint64> keys;
    QSet<QString> identities;
    for (const auto &p : store::PairTable(st).all()) {
        QVERIFY(p.a.id != p.b.id);
        QVERIFY(!keys.contains(store::PairTable::unorderedKey(p.a.id, p.b.id)));
        keys.insert(store::PairTable::unorderedKey(p.a.id, p.b.id));
        QCOMPARE(*p.truth, p.a.identity == p.b.identity);
        QCOMPARE(p.origin, QStringLiteral("generated"));
        identities << p.a.identity << p.b.identity;
    }
    QCOMPARE(identities.size(), 10);
}

void PairGenTest::deterministicForASeed()
{
    QTemporaryDir d1, d2, d3;
    const auto a = makeProject(d1.path(), 12, 5), b = makeProject(d2.path(), 12, 5), c = makeProject(d3.path(), 12, 5);
    data::PairGenOptions o;
    o.pairs = 60;
    o.seed = 42;
    data::generatePairs(a, o);
    data::generatePairs(b, o);
    o.seed = 43;
    data::generatePairs(c, o);
    QCOMPARE(signature(a), signature(b));
    QVERIFY(signature(a) != signature(c));
}

void PairGenTest::secondRunAddsOnlyNewPairs()
{
    QTemporaryDir dir;
    const auto st = makeProject(dir.path(), 6, 4);   // 36 same pairs exist in all
    data::PairGenOptions o;
    o.pairs = 40;
    o.identities = 0;
    data::generatePairs(st, o);
    const auto r2 = data::generatePairs(st, o);   // same seed: must not repeat the first run's pairs
    QCOMPARE(r2.same, 16);
    QVERIFY(!r2.notes.isEmpty());
    QCOMPARE(store::PairTable(st).unorderedKeys().size(), int(st.stats().pairs));
}

void PairGenTest::identityDisjointKeepsPeopleInOneSplit()
{
    QTemporaryDir dir;
    const auto st = makeProject(dir.path(), 20, 5);
    data::PairGenOptions o;
    o.pairs = 100;
    o.identities = 20;
    o.split = data::SplitMethod::IdentityDisjoint;
    const auto r = data::generatePairs(st, o);
    QCOMPARE(r.splitMethod, QStringLiteral("identity-disjoint"));
    QCOMPARE(r.same + r.different, 100);
    QHash<QString, QString> splitOf;
    for (const auto &p : store::PairTable(st).all())
        for (const QString &who : {p.a.identity, p.b.identity}) {
            QVERIFY2(!splitOf.contains(who) || splitOf[who] == p.split, qPrintable(who + " is in two splits"));
            splitOf[who] = p.split;
        }
    QVERIFY(r.train > 0 && r.validation > 0 && r.test > 0);
}

void PairGenTest::identityDisjointFallsBackWhenTooFewPeople()
{
    QTemporaryDir dir;
    const auto st = makeProject(dir.path(), 4, 4);
    data::PairGenOptions o;
    o.pairs = 20;
    o.split = data::SplitMethod::IdentityDisjoint;
    const auto r = data::generatePairs(st, o);
    QCOMPARE(r.splitMethod, QStringLiteral("pair-level"));
    QVERIFY(r.notes.join(' ').contains("too few"));
}

void PairGenTest::reportsShortageOfSamePairs()
{
    QTemporaryDir dir;
    const auto st = makeProject(dir.path(), 10, 2);   // one same pair per identity
    data::PairGenOptions o;
    const auto r = data::generatePairs(st, o);
    QCOMPARE(r.same, 10);
    QCOMPARE(r.different, 100);
    QVERIFY(r.notes.join(' ').contains("only 10 new same-identity pairs"));
}

void PairGenTest::refusesProjectsWithoutIdentities()
{
    QTemporaryDir dir;
    const auto st = makeProject(dir.path(), 1, 5);
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, data::generatePairs(st, {}));
    QCOMPARE(st.stats().pairs, 0);
}

void PairGenTest::neverPairsAnImageWithItselfOrACopy()
{
    // What an older FaceLab left after importing one folder twice, through a link: every file
    // twice under two roots, same content, same person; and one picture copied to another person.
    QTemporaryDir dir;
    const auto st = store::ProjectStore::open(dir.path(), true);
    store::ImageTable t(st);
    const qint64 roots[2] = {t.ensureRoot("/faces", "identities"), t.ensureRoot("/link", "identities")};
    {
        store::Transaction tx(st.db());
        for (int k = 0; k < 4; ++k) {
            const qint64 idt = t.ensureIdentity(QStringLiteral("P%1").arg(k));
            for (const qint64 root : roots)
                for (int i = 0; i < 3; ++i)
                    t.insert(root, {QStringLiteral("P%1/%2.jpg").arg(k).arg(i), QStringLiteral("%1-%2").arg(k).arg(i), 1, 112, 112, idt});
        }
        t.insert(t.ensureRoot("/copies", "identities"), {"P1/copy.jpg", "0-0", 1, 112, 112, t.ensureIdentity("P1")});
        tx.commit();
    }
    data::PairGenOptions o;
    o.pairs = 200;
    o.identities = 0;
    const auto r = data::generatePairs(st, o);
    // Same pairs among distinct pictures only: 3 for each person, 6 for P1 (4 pictures with the copy).
    QCOMPARE(r.same, 15);
    QVERIFY(r.different > 0);
    for (const auto &p : store::PairTable(st).all())
        QVERIFY2(p.a.sha256 != p.b.sha256, qPrintable(QStringLiteral("%1 %2 / %3 %4").arg(p.a.absPath, p.a.sha256, p.b.absPath, p.b.sha256)));
}

QTEST_GUILESS_MAIN(PairGenTest)
#include "test_pairgen.moc"
