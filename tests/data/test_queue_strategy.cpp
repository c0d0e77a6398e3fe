// The active-learning queue: every strategy's order against a brute-force reference, the
// diversity window, fallbacks without identities, and mining hard pairs (FAISS against brute
// force, no duplicates, never the test split) on small projects built through the store.
#include "data/QueueStrategy.h"
#include "queue/PairMining.h"
#include "store/EmbeddingTable.h"
#include "store/FeedbackTable.h"
#include "store/ImageTable.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/ScoreTable.h"
#include "store/StoreError.h"

#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <random>

using namespace facelab;
using data::QueueStrategy;

namespace {

constexpr double kThreshold = 0.4;

// Unit vectors clustered by identity: identity centres plus noise, so similarities spread over
// roughly [-0.3, 0.9] with different identities sometimes close.
std::vector<float> clusteredVectors(const QVector<qint64> &identities, int dim, quint64 seed, double noise = 0.7)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> g(0.f, 1.f);
    QHash<qint64, std::vector<float>> centres;
    std::vector<float> out;
    for (qint64 idt : identities) {
        if (!centres.contains(idt)) {
            std::vector<float> c(static_cast<size_t>(dim));
            for (float &x : c)
                x = g(rng);
            centres.insert(idt, c);
        }
        const std::vector<float> &c = centres[idt];
        std::vector<float> v(static_cast<size_t>(dim));
        double n2 = 0;
        for (int t = 0; t < dim; ++t) {
            v[size_t(t)] = (idt ? c[size_t(t)] : 0.f) + float(noise) * g(rng);
            n2 += double(v[size_t(t)]) * v[size_t(t)];
        }
        for (float &x : v)
            out.push_back(float(x / std::sqrt(n2)));
    }
    return out;
}

struct Project
{
    QTemporaryDir dir;
    std::optional<store::ProjectStore> st;
    qint64 version = 0;
    QVector<qint64> images;
    QHash<qint64, qint64> identityOf;
};

// people identities of perPerson images (identity 0 = unknown when people is 0), a model version
// with embeddings, `pairs` random pairs (truth from identities when known) in rotating splits,
// scored except every seventh, and a few verdicts.
void build(Project &p, int people, int perPerson, int pairs, quint64 seed, bool knownIdentities = true, int dim = 16)
{
    p.st = store::ProjectStore::open(p.dir.path(), true);
    const store::ProjectStore &st = *p.st;
    store::ImageTable t(st);
    const qint64 root = t.ensureRoot("/faces", "identities");
    QVector<qint64> ids;
    {
        store::Transaction tx(st.db());
        for (int k = 0; k < people; ++k) {
            const qint64 idt = knownIdentities ? t.ensureIdentity(QStringLiteral("P%1").arg(k)) : 0;
            for (int i = 0; i < perPerson; ++i) {
                const qint64 img = t.insert(root, {QStringLiteral("P%1/%2.jpg").arg(k).arg(i), QStringLiteral("%1-%2").arg(k).arg(i),
                                                   1, 112, 112, idt}).first;
                p.images << img;
                p.identityOf.insert(img, idt);
                ids << (knownIdentities ? idt : k + 1);   // the vectors still cluster by person
            }
        }
        tx.commit();
    }
    store::ModelTable models(st);
    p.version = models.addVersion(models.addModel("m", "onnx", "/m.onnx"), "m-v1", 0, "m.onnx", "{}", kThreshold, 0);
    const std::vector<float> vec = clusteredVectors(ids, dim, seed);
    // Norms before normalisation (face quality); every fifth image has none recorded.
    std::vector<float> norms;
    for (int i = 0; i < p.images.size(); ++i)
        norms.push_back(float(5 + (i * 37 + int(seed)) % 23));
    store::EmbeddingTable(st).put(p.version, p.images.mid(0, p.images.size() - p.images.size() / 5), vec.data(), dim,
                                  norms.data());
    store::EmbeddingTable(st).put(p.version, p.images.mid(p.images.size() - p.images.size() / 5),
                                  vec.data() + size_t(p.images.size() - p.images.size() / 5) * size_t(dim), dim);

    std::mt19937_64 rng(seed + 1);
    std::uniform_int_distribution<int> pick(0, int(p.images.size()) - 1);
    store::PairTable pt(st);
    QVector<qint64> scored;
    QVector<double> scores;
    const char *splits[] = {"train", "validation", "test"};
    for (int n = 0, tries = 0; n < pairs && tries < pairs * 20; ++tries) {
        const int a = pick(rng), b = pick(rng);
        if (a == b)
            continue;
        store::NewPair np{p.images[a], p.images[b], std::nullopt, "generated", splits[n % 3]};
        if (knownIdentities)
            np.truth = p.identityOf[p.images[a]] == p.identityOf[p.images[b]];
        const auto [id, added] = pt.insert(np);
        if (!added)
            continue;
        if (n % 7 != 3) {
            double dot = 0;
            for (int k = 0; k < dim; ++k)
                dot += double(vec[size_t(a * dim + k)]) * vec[size_t(b * dim + k)];
            scored << id;
            scores << dot;
        }
        ++n;
    }
    store::ScoreTable(st).put(p.version, scored, scores);
    const QVector<qint64> all = pt.queueOrder();
    store::FeedbackTable fb(st);
    for (int i = 0; i < all.size(); i += 9)
        fb.add(all[i], i % 2 ? store::Verdict::Same : store::Verdict::Skip);
}

// The reference: each group sorted by the strategy's criteria, written as plainly as possible.
QVector<qint64> bruteForce(const QVector<data::QueueCandidate> &cands, QueueStrategy s)
{
    QVector<qint64> out;
    for (int g = 0; g < 3; ++g) {
        QVector<data::QueueCandidate> scored, unscored;
        for (const auto &c : cands)
            if (c.group == g)
                (c.score ? scored : unscored) << c;
        auto byUncertainty = [](const data::QueueCandidate &x, const data::QueueCandidate &y) {
            const double ux = std::abs(*x.score - kThreshold), uy = std::abs(*y.score - kThreshold);
            return ux < uy || (ux == uy && x.pairId < y.pairId);
        };
        auto byScoreDesc = [](const data::QueueCandidate &x, const data::QueueCandidate &y) {
            return *x.score > *y.score || (*x.score == *y.score && x.pairId < y.pairId);
        };
        auto byScoreAsc = [](const data::QueueCandidate &x, const data::QueueCandidate &y) {
            return *x.score < *y.score || (*x.score == *y.score && x.pairId < y.pairId);
        };
        QVector<data::QueueCandidate> u = scored, neg, posi;
        for (const auto &c : scored) {
            const std::optional<bool> same = c.identityA && c.identityB ? std::optional<bool>(c.identityA == c.identityB) : c.truth;
            if (same)
                (*same ? posi : neg) << c;
        }
        std::sort(u.begin(), u.end(), byUncertainty);
        std::sort(neg.begin(), neg.end(), byScoreDesc);
        std::sort(posi.begin(), posi.end(), byScoreAsc);
        std::sort(unscored.begin(), unscored.end(), [](const auto &x, const auto &y) { return x.pairId < y.pairId; });
        QVector<data::QueueCandidate> lowq;
        for (const auto &c : scored)
            if (c.quality)
                lowq << c;
        std::sort(lowq.begin(), lowq.end(), [](const auto &x, const auto &y) {
            return *x.quality < *y.quality || (*x.quality == *y.quality && x.pairId < y.pairId);
        });
        QVector<qint64> group;
        auto add = [&group](const QVector<data::QueueCandidate> &list) {
            for (const auto &c : list)
                if (!group.contains(c.pairId))
                    group << c.pairId;
        };
        if (s == QueueStrategy::HardNegatives)
            add(neg);
        if (s == QueueStrategy::HardPositives)
            add(posi);
        if (s == QueueStrategy::LowQuality)
            add(lowq);
        if (s == QueueStrategy::Mix) {
            const QVector<data::QueueCandidate> *lists[] = {&u, &neg, &posi};
            int pos[3] = {0, 0, 0};
            while (group.size() < u.size())
                for (int l = 0; l < 3; ++l) {
                    while (pos[l] < lists[l]->size() && group.contains((*lists[l])[pos[l]].pairId))
                        ++pos[l];
                    if (pos[l] < lists[l]->size())
                        group << (*lists[l])[pos[l]++].pairId;
                }
        }
        add(u);
        add(unscored);
        out += group;
    }
    return out;
}

// At every position of each group, a pair whose images appear in the `window` pairs before it is
// allowed only when every later pair of the group clashes with that window too (the greedy
// spreading had no choice; its lookahead covers these small queues).
void checkWindow(const QVector<data::QueueCandidate> &cands, const data::QueueOrder &order, int window)
{
    QHash<qint64, data::QueueCandidate> byId;
    for (const auto &c : cands)
        byId.insert(c.pairId, c);
    const auto &e = order.entries;
    auto clashes = [&](int i, int from, int to) {   // entry i against entries [from, to)
        const auto &c = byId[e[i].pairId];
        for (int j = from; j < to; ++j) {
            const auto &d = byId[e[j].pairId];
            if (c.imageA == d.imageA || c.imageA == d.imageB || c.imageB == d.imageA || c.imageB == d.imageB)
                return true;
        }
        return false;
    };
    int groupStart = 0;
    for (int i = 0; i < e.size(); ++i) {
        if (i > 0 && e[i].group != e[i - 1].group)
            groupStart = i;
        const int from = std::max(groupStart, i - window);
        if (!clashes(i, from, i))
            continue;
        for (int k = i + 1; k < e.size() && e[k].group == e[i].group; ++k)
            QVERIFY2(clashes(k, from, i), qPrintable(QStringLiteral("pair at %1 repeats an image although pair at %2 would not").arg(i).arg(k)));
    }
}

queue::EmbeddingSet randomSet(int n, int people, int dim, quint64 seed)
{
    queue::EmbeddingSet set;
    set.dim = dim;
    for (int i = 0; i < n; ++i) {
        set.imageIds << 1000 + i;
        set.identities << 1 + i % people;
    }
    set.vectors = clusteredVectors(set.identities, dim, seed, 1.2);
    return set;
}

// Every different-identity pair not stored, by similarity: the all-pairs reference for mining.
QVector<queue::MinedPair> allPairsNegatives(const queue::EmbeddingSet &set, const QSet<quint64> &stored, int maxPairs)
{
    QVector<queue::MinedPair> all;
    for (int i = 0; i < set.size(); ++i)
        for (int j = i + 1; j < set.size(); ++j) {
            if (!set.identities[i] || !set.identities[j] || set.identities[i] == set.identities[j]
                || stored.contains(store::PairTable::unorderedKey(set.imageIds[i], set.imageIds[j])))
                continue;
            double dot = 0;
            for (int t = 0; t < set.dim; ++t)
                dot += double(set.row(i)[t]) * set.row(j)[t];
            all.push_back({set.imageIds[i], set.imageIds[j], dot, false});
        }
    std::sort(all.begin(), all.end(), [](const auto &p, const auto &q) { return p.similarity > q.similarity; });
    all.resize(std::min<qsizetype>(all.size(), maxPairs));
    return all;
}

QStringList keysOf(const QVector<queue::MinedPair> &v)
{
    QStringList s;
    for (const auto &m : v)
        s << QStringLiteral("%1-%2").arg(m.imageA).arg(m.imageB);
    return s;
}

} // namespace

class QueueStrategyTest : public QObject
{
    Q_OBJECT
private slots:
    void namesRoundTrip();
    void strategiesMatchBruteForce_data();
    void strategiesMatchBruteForce();
    void diversityWindowHolds();
    void candidatesFollowVerdictsAndUndo();
    void fallsBackWithoutIdentities();
    void faissMiningEqualsBruteForce();
    void minePairsStoresTrainPairsOnce();
    void minePairsWithoutIdentitiesOrEmbeddings();
};

void QueueStrategyTest::namesRoundTrip()
{
    QCOMPARE(data::queueStrategyNames().size(), 6);
    for (const QString &n : data::queueStrategyNames())
        QCOMPARE(data::queueStrategyName(*data::queueStrategyFromName(n)), n);
    QVERIFY(!data::queueStrategyFromName("random"));
}

void QueueStrategyTest::candidatesFollowVerdictsAndUndo()
{
    Project p;
    build(p, 6, 5, 80, 11);
    store::FeedbackTable fb(*p.st);
    const QVector<qint64> order = store::PairTable(*p.st).queueOrder();
    // Change minds, skip and undo, so the current verdict is not simply the last row per pair.
    fb.add(order[0], store::Verdict::Same);
    fb.add(order[0], store::Verdict::Different);
    fb.add(order[1], store::Verdict::Skip);
    fb.add(order[2], store::Verdict::Same);
    fb.undoLast();
    fb.add(order[1], store::Verdict::Same);
    fb.undoLast();
    const auto cands = data::loadQueueCandidates(*p.st, p.version);
    const QVector<store::PairRecord> pairs = store::PairTable(*p.st).all();
    QCOMPARE(cands.size(), pairs.size());
    int judged = 0;
    for (int i = 0; i < cands.size(); ++i) {
        const store::PairRecord &r = pairs[i];
        QCOMPARE(cands[i].pairId, r.id);
        const auto v = fb.current(r.id);   // the definition: the newest feedback row not undone
        QCOMPARE(r.verdict, v);
        QCOMPARE(cands[i].group, !v ? 0 : *v == store::Verdict::Skip ? 1 : 2);
        QCOMPARE(cands[i].identityA, r.a.identityId);
        QCOMPARE(cands[i].identityB, r.b.identityId);
        QCOMPARE(cands[i].truth, r.truth);
        judged += v ? 1 : 0;
    }
    QCOMPARE(fb.current(order[0]), std::optional<store::Verdict>(store::Verdict::Different));
    QCOMPARE(fb.current(order[1]), std::optional<store::Verdict>(store::Verdict::Skip));
    QVERIFY(!fb.current(order[2]));
    QCOMPARE(qint64(judged), p.st->stats().labelled + p.st->stats().skipped);
}

void QueueStrategyTest::strategiesMatchBruteForce_data()
{
    QTest::addColumn<int>("strategy");
    for (const QString &n : data::queueStrategyNames())
        QTest::newRow(qPrintable(n)) << int(*data::queueStrategyFromName(n));
}

void QueueStrategyTest::strategiesMatchBruteForce()
{
    QFETCH(int, strategy);
    const auto s = QueueStrategy(strategy);
    Project p;
    build(p, 8, 6, 120, 7);
    const auto cands = data::loadQueueCandidates(*p.st, p.version);
    QCOMPARE(cands.size(), 120);
    data::QueueOptions unspread;
    unspread.threshold = kThreshold;
    unspread.spreadWindow = unspread.diversityWindow = 0;
    const data::QueueOrder order = data::orderCandidates(cands, s, unspread);
    const QVector<qint64> expected = bruteForce(cands, s == QueueStrategy::Diversity ? QueueStrategy::Uncertainty : s);
    QCOMPARE(order.ids(), expected);

    // Scores and reasons belong to the pairs; groups never interleave.
    const QHash<qint64, double> scores = store::ScoreTable(*p.st).all(p.version);
    const QStringList reasons{"uncertain", "hard negative", "hard positive", "diverse", "unscored", "low quality"};
    int lastGroup = 0;
    for (const auto &e : order.entries) {
        QCOMPARE(e.score.has_value(), scores.contains(e.pairId));
        if (e.score)
            QCOMPARE(*e.score, scores[e.pairId]);
        QVERIFY2(reasons.contains(e.reason), qPrintable(e.reason));
        QCOMPARE(e.reason == "unscored", !e.score.has_value());
        QVERIFY(e.group >= lastGroup);
        lastGroup = e.group;
    }
    if (s == QueueStrategy::HardNegatives)
        QCOMPARE(order.entries.front().reason, QStringLiteral("hard negative"));
    if (s == QueueStrategy::LowQuality) {
        QCOMPARE(order.entries.front().reason, QStringLiteral("low quality"));
        // Quality is the smaller norm of the two faces, read back from the store.
        const QHash<qint64, double> norms = store::EmbeddingTable(*p.st).norms(p.version);
        QVERIFY(!norms.isEmpty() && norms.size() < p.images.size());
        for (const auto &c : cands)
            QCOMPARE(c.quality.has_value(), norms.contains(c.imageA) && norms.contains(c.imageB));
    }
    if (s == QueueStrategy::Mix) {
        QCOMPARE(order.entries[0].reason, QStringLiteral("uncertain"));
        QCOMPARE(order.entries[1].reason, QStringLiteral("hard negative"));
        QCOMPARE(order.entries[2].reason, QStringLiteral("hard positive"));
    }

    // With the spreading on, the same pairs come, and the store wrapper gives that order.
    data::QueueOptions spread;
    spread.threshold = kThreshold;
    const data::QueueOrder spreadOrder = data::orderCandidates(cands, s, spread);
    QVector<qint64> a = spreadOrder.ids(), b = expected;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    QCOMPARE(a, b);
    QCOMPARE(data::queueOrder(*p.st, p.version, kThreshold, s), spreadOrder.ids());
}

void QueueStrategyTest::diversityWindowHolds()
{
    Project p;
    build(p, 12, 5, 150, 11);
    const auto cands = data::loadQueueCandidates(*p.st, p.version);
    data::QueueOptions o;
    o.threshold = kThreshold;
    for (QueueStrategy s : {QueueStrategy::Diversity, QueueStrategy::Mix}) {
        checkWindow(cands, data::orderCandidates(cands, s, o), o.diversityWindow);
        if (QTest::currentTestFailed())
            return;
    }
    checkWindow(cands, data::orderCandidates(cands, QueueStrategy::Uncertainty, o), o.spreadWindow);
    // With 60 images and 8-pair windows, the first pairs to label never repeat a face.
    const auto order = data::orderCandidates(cands, QueueStrategy::Diversity, o);
    QSet<qint64> seen;
    QHash<qint64, data::QueueCandidate> byId;
    for (const auto &c : cands)
        byId.insert(c.pairId, c);
    for (int i = 0; i < 8; ++i) {
        const auto &c = byId[order.entries[i].pairId];
        QVERIFY(!seen.contains(c.imageA) && !seen.contains(c.imageB));
        seen << c.imageA << c.imageB;
    }
}

void QueueStrategyTest::fallsBackWithoutIdentities()
{
    Project p;
    build(p, 8, 6, 80, 5, /*knownIdentities=*/false);
    const auto cands = data::loadQueueCandidates(*p.st, p.version);
    data::QueueOptions o;
    o.threshold = kThreshold;
    const auto uncertain = data::orderCandidates(cands, QueueStrategy::Uncertainty, o);
    for (QueueStrategy s : {QueueStrategy::HardNegatives, QueueStrategy::HardPositives}) {
        const auto order = data::orderCandidates(cands, s, o);
        QCOMPARE(order.ids(), uncertain.ids());
        QVERIFY(!order.notes.filter("no known identities").isEmpty());
        QVERIFY(!order.notes.filter("falls back to uncertainty").isEmpty());
        for (const auto &e : order.entries)
            QVERIFY(e.reason == "uncertain" || e.reason == "unscored");
    }
    const auto mix = data::orderCandidates(cands, QueueStrategy::Mix, o);
    QVERIFY(!mix.notes.filter("no known identities").isEmpty());
    for (const auto &e : mix.entries)
        QVERIFY(e.reason == "uncertain" || e.reason == "unscored");

    // Imported truth stands in for identities.
    QVector<data::QueueCandidate> withTruth = cands;
    for (int i = 0; i < withTruth.size(); ++i)
        withTruth[i].truth = i % 2 == 0;
    const auto neg = data::orderCandidates(withTruth, QueueStrategy::HardNegatives, o);
    QCOMPARE(neg.entries.front().reason, QStringLiteral("hard negative"));
    QVERIFY(neg.notes.filter("no known identities").isEmpty());

    // No model: every pair unscored, import order within groups.
    const auto none = data::orderQueue(*p.st, 0, kThreshold, QueueStrategy::Mix);
    QCOMPARE(none.entries.size(), cands.size());
    for (const auto &e : none.entries)
        QCOMPARE(e.reason, QStringLiteral("unscored"));
}

void QueueStrategyTest::faissMiningEqualsBruteForce()
{
    const queue::EmbeddingSet set = randomSet(400, 40, 24, 3);
    QSet<quint64> stored;
    for (int i = 0; i + 1 < 40; i += 2)   // a few stored pairs the mining must skip
        stored.insert(store::PairTable::unorderedKey(set.imageIds[i], set.imageIds[i + 1]));

    queue::SearchOptions brute;
    brute.backend = queue::SearchBackend::BruteForce;
    queue::SearchBackend used = queue::SearchBackend::Auto;
    const auto bruteNeg = queue::mineHardNegatives(set, stored, 150, 10, brute, &used);
    QCOMPARE(used, queue::SearchBackend::BruteForce);
    QVERIFY(bruteNeg.size() == 150);
    for (const auto &m : bruteNeg) {
        QVERIFY(!stored.contains(store::PairTable::unorderedKey(m.imageA, m.imageB)));
        QVERIFY(set.identities[int(m.imageA - 1000)] != set.identities[int(m.imageB - 1000)]);
    }
    // With every other image as a neighbour, mining is exactly the all-pairs reference.
    const auto exact = queue::mineHardNegatives(set, stored, 150, set.size() - 1, brute);
    QCOMPARE(keysOf(exact), keysOf(allPairsNegatives(set, stored, 150)));

    // The 10-neighbour search already finds most of the globally hardest pairs.
    const QStringList exactKeys = keysOf(exact);
    const QSet<QString> reference(exactKeys.begin(), exactKeys.end());
    int found = 0;
    for (const QString &k : keysOf(bruteNeg))
        found += reference.contains(k);
    QVERIFY2(found >= 100, qPrintable(QString::number(found)));

    if (!queue::faissAvailable())
        QSKIP("built without FAISS (Debian libfaiss-dev): the brute-force search was checked only");
    queue::SearchOptions flat;
    flat.backend = queue::SearchBackend::FaissFlat;
    QCOMPARE(keysOf(queue::mineHardNegatives(set, stored, 150, 10, flat, &used)), keysOf(bruteNeg));
    QCOMPARE(used, queue::SearchBackend::FaissFlat);
    QCOMPARE(keysOf(queue::mineHardNegatives(set, stored, 150, set.size() - 1, flat)), keysOf(exact));
    // IVF visiting every list is exhaustive, hence exact too.
    queue::SearchOptions ivf;
    ivf.backend = queue::SearchBackend::FaissIvf;
    ivf.nprobe = 1000;
    QCOMPARE(keysOf(queue::mineHardNegatives(set, stored, 150, 10, ivf, &used)), keysOf(bruteNeg));
    QCOMPARE(used, queue::SearchBackend::FaissIvf);
}

void QueueStrategyTest::minePairsStoresTrainPairsOnce()
{
    Project p;
    build(p, 10, 6, 90, 21);
    const store::ProjectStore &st = *p.st;
    store::PairTable pt(st);
    // Every pair of person P9 goes to the test split: P9's faces must never be mined into train pairs.
    {
        QSqlQuery q(st.db());
        store::prepare(q, "UPDATE pairs SET split = 'test' WHERE image_a IN (SELECT i.id FROM images i JOIN identities n "
                          "ON n.id = i.identity_id WHERE n.name = 'P9') OR image_b IN (SELECT i.id FROM images i JOIN "
                          "identities n ON n.id = i.identity_id WHERE n.name = 'P9')");
        store::exec(q, "test split");
    }
    QSet<qint64> testImages, otherImages;
    bool p9Paired = false;
    for (const auto &r : pt.all()) {
        (r.split == "test" ? testImages : otherImages) << r.a.id << r.b.id;
        p9Paired = p9Paired || r.a.identity == "P9" || r.b.identity == "P9";
    }
    testImages.subtract(otherImages);
    QVERIFY(p9Paired && !testImages.isEmpty());

    const QSet<quint64> before = pt.unorderedKeys();
    queue::MiningOptions o;
    o.maxPairs = 40;
    o.neighbours = 59;   // every other image: the negatives must be the all-pairs hardest
    o.positivesPerIdentity = 5;
    const queue::MiningReport r = queue::minePairs(st, p.version, o);
    QCOMPARE(r.negativesAdded + r.positivesAdded, 40);
    QCOMPARE(r.negativesAdded, 20);
    QCOMPARE(r.pairIds.size(), 40);
    QCOMPARE(r.testImagesLeftOut, testImages.size());
    QCOMPARE(r.backend, queue::faissAvailable() ? QStringLiteral("faiss-flat") : QStringLiteral("brute-force"));
    QCOMPARE(pt.unorderedKeys().size(), before.size() + 40);

    const QHash<qint64, double> scores = store::ScoreTable(st).all(p.version);
    QVector<queue::MinedPair> negatives;
    for (const store::PairRecord &m : pt.pairs(r.pairIds)) {
        QCOMPARE(m.origin, QStringLiteral("mined"));
        QCOMPARE(m.split, QStringLiteral("train"));
        QVERIFY(!before.contains(store::PairTable::unorderedKey(m.a.id, m.b.id)));
        QVERIFY(!testImages.contains(m.a.id) && !testImages.contains(m.b.id));
        QCOMPARE(*m.truth, m.a.identityId == m.b.identityId);
        QVERIFY(scores.contains(m.id));
        if (!*m.truth)
            negatives.push_back({std::min(m.a.id, m.b.id), std::max(m.a.id, m.b.id), scores[m.id], false});
    }
    // The negatives are the 20 hardest different-identity pairs of the searched images.
    queue::EmbeddingSet set;
    set.dim = 16;
    const auto vec = store::EmbeddingTable(st).get(p.version, p.images);
    for (qint64 img : p.images) {
        if (testImages.contains(img))
            continue;
        set.imageIds << img;
        set.identities << p.identityOf[img];
        const std::vector<float> &v = *vec.constFind(img);
        set.vectors.insert(set.vectors.end(), v.begin(), v.end());
    }
    QCOMPARE(keysOf(negatives), keysOf(allPairsNegatives(set, before, 20)));

    // A second run adds only pairs that do not exist yet.
    const QSet<quint64> after = pt.unorderedKeys();
    const queue::MiningReport again = queue::minePairs(st, p.version, o);
    QCOMPARE(pt.unorderedKeys().size(), after.size() + again.pairIds.size());
    for (const auto &m : pt.pairs(again.pairIds))
        QVERIFY(!after.contains(store::PairTable::unorderedKey(m.a.id, m.b.id)));

    // Mined pairs join the queue as unlabelled, scored pairs.
    const auto order = data::orderQueue(st, p.version, kThreshold, QueueStrategy::HardNegatives);
    QCOMPARE(order.entries.front().reason, QStringLiteral("hard negative"));
    QCOMPARE(order.entries.size(), pt.unorderedKeys().size());
}

void QueueStrategyTest::minePairsWithoutIdentitiesOrEmbeddings()
{
    Project p;
    build(p, 6, 4, 30, 2, /*knownIdentities=*/false);
    const qint64 pairsBefore = p.st->stats().pairs;
    const queue::MiningReport r = queue::minePairs(*p.st, p.version);
    QCOMPARE(r.pairIds.size(), 0);
    QVERIFY(!r.notes.filter("known identity").isEmpty());
    QCOMPARE(p.st->stats().pairs, pairsBefore);

    Project q;
    build(q, 4, 3, 10, 2);
    store::ModelTable models(*q.st);
    const qint64 bare = models.addVersion(models.addModel("n", "onnx", "/n.onnx"), "n-v1", 0, "n.onnx", "{}", 0.3, 0);
    try {
        queue::minePairs(*q.st, bare);
        QFAIL("mining without embeddings must fail");
    } catch (const std::runtime_error &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains("no embeddings"), e.what());
    }
}

QTEST_GUILESS_MAIN(QueueStrategyTest)
#include "test_queue_strategy.moc"
