#include "PairGenerator.h"

#include "store/ImageTable.h"
#include "store/PairTable.h"
#include "store/StoreError.h"

#include <QJsonArray>
#include <QMap>
#include <algorithm>
#include <random>

namespace facelab::data {
namespace {

// std::mt19937_64 is specified bit-exactly; the std distributions are not, so bounded draws are
// done here by rejection to stay identical across standard libraries.
class Rng
{
public:
    explicit Rng(quint64 seed) : m_gen(seed) {}
    quint64 below(quint64 n)
    {
        const quint64 limit = std::numeric_limits<quint64>::max() - std::numeric_limits<quint64>::max() % n;
        quint64 x;
        do
            x = m_gen();
        while (x >= limit);
        return x % n;
    }
    template <typename T>
    void shuffle(QVector<T> &v)
    {
        for (qsizetype i = v.size() - 1; i > 0; --i)
            std::swap(v[i], v[qsizetype(below(quint64(i) + 1))]);
    }

private:
    std::mt19937_64 m_gen;
};

struct Identity
{
    qint64 id = 0;
    QString key;               // folder name: people of two roots with one name may be one human
    QVector<qint64> images;    // one per content: byte-identical copies are never paired
};

// What a "different" pair must not join: the same content (a copy, or one file imported through
// two paths by an older FaceLab) or two people who may be one human (same folder name).
struct Guard
{
    QHash<qint64, QString> sha;
    bool allows(const Identity &x, qint64 a, const Identity &y, qint64 b) const
    {
        return a != b && x.key != y.key && sha.value(a) != sha.value(b);
    }
};

struct Draft
{
    qint64 a = 0, b = 0;
    bool same = false;
    QString split;
};

// Draws up to `same` same-identity and `diff` different-identity pairs among ids, skipping any
// key in `taken` (which it extends). Same pairs go round-robin over identities so one identity
// with many images does not dominate.
void draw(const QVector<Identity> &ids, int same, int diff, Rng &rng, QSet<quint64> &taken,
          QVector<Draft> &out, const QString &split, int *sameMade, int *diffMade, const Guard &guard)
{
    *sameMade = *diffMade = 0;
    QVector<int> withPairs;
    QVector<qint64> capacity(ids.size(), 0);
    for (int i = 0; i < ids.size(); ++i) {
        const qint64 n = ids[i].images.size();
        capacity[i] = n * (n - 1) / 2;
        if (n >= 2)
            withPairs.push_back(i);
    }
    QVector<qint64> used(ids.size(), 0);
    while (*sameMade < same && !withPairs.isEmpty()) {
        rng.shuffle(withPairs);
        for (int k = 0; k < withPairs.size() && *sameMade < same; ++k) {
            const int i = withPairs[k];
            const QVector<qint64> &imgs = ids[i].images;
            // A few random tries, then a scan, so exhausted identities are found without looping forever.
            bool made = false;
            for (int attempt = 0; attempt < 16 && !made; ++attempt) {
                const qint64 a = imgs[qsizetype(rng.below(quint64(imgs.size())))];
                const qint64 b = imgs[qsizetype(rng.below(quint64(imgs.size())))];
                if (a == b || taken.contains(store::PairTable::unorderedKey(a, b)))
                    continue;
                taken.insert(store::PairTable::unorderedKey(a, b));
                out.push_back({a, b, true, split});
                made = true;
            }
            for (int x = 0; x < imgs.size() && !made; ++x)
                for (int y = x + 1; y < imgs.size() && !made; ++y)
                    if (!taken.contains(store::PairTable::unorderedKey(imgs[x], imgs[y]))) {
                        taken.insert(store::PairTable::unorderedKey(imgs[x], imgs[y]));
                        out.push_back({imgs[x], imgs[y], true, split});
                        made = true;
                    }
            if (made) {
                ++*sameMade;
                ++used[i];
            }
            if (!made || used[i] >= capacity[i]) {
                withPairs.removeAt(k);
                --k;
            }
        }
    }
    if (ids.size() < 2)
        return;
    int failures = 0;
    while (*diffMade < diff && failures < 1000) {
        const int i = int(rng.below(quint64(ids.size())));
        int j = int(rng.below(quint64(ids.size() - 1)));
        if (j >= i)
            ++j;
        const qint64 a = ids[i].images[qsizetype(rng.below(quint64(ids[i].images.size())))];
        const qint64 b = ids[j].images[qsizetype(rng.below(quint64(ids[j].images.size())))];
        const quint64 key = store::PairTable::unorderedKey(a, b);
        if (taken.contains(key) || !guard.allows(ids[i], a, ids[j], b)) {
            ++failures;
            continue;
        }
        failures = 0;
        taken.insert(key);
        out.push_back({a, b, false, split});
        ++*diffMade;
    }
}

} // namespace

QString splitMethodName(SplitMethod m)
{
    return m == SplitMethod::PairLevel ? QStringLiteral("pair-level") : QStringLiteral("identity-disjoint");
}

QString splitMethodExplanation(SplitMethod m)
{
    return m == SplitMethod::PairLevel
               ? QStringLiteral("Pair-level: each pair is assigned to train, validation or test at random, so the "
                                "same people can appear in every split (measures how well the model knows them).")
               : QStringLiteral("Identity-disjoint: people are divided between train, validation and test first, so "
                                "no person appears in two splits (measures generalisation to new people).");
}

QJsonObject PairGenReport::toJson() const
{
    return QJsonObject{{"requested", requested}, {"same", same},   {"different", different},
                       {"identities", identitiesUsed}, {"train", train}, {"validation", validation},
                       {"test", test}, {"split_method", splitMethod}, {"notes", QJsonArray::fromStringList(notes)}};
}

PairGenReport generatePairs(const store::ProjectStore &st, const PairGenOptions &opt)
{
    if (opt.pairs <= 0)
        throw std::runtime_error("the number of pairs must be positive");
    if (opt.trainFraction < 0 || opt.validationFraction < 0 || opt.trainFraction + opt.validationFraction > 1.0)
        throw std::runtime_error("split fractions must be between 0 and 1 and add up to at most 1");

    QMap<qint64, Identity> byId;   // ordered by identity id: the draw is independent of hash order
    const store::ImageTable imageTable(st);
    const QHash<qint64, QString> keys = imageTable.personKeys();
    Guard guard;
    QHash<qint64, QSet<QString>> contents;   // per person: the sha256 already taken
    // Images where detection found no face (or could not read the file) are left out of pairs.
    for (const store::ImageRecord &img : imageTable.all())
        if (img.identityId > 0 && img.faceStatus != QLatin1String("none") && img.faceStatus != QLatin1String("unreadable")) {
            guard.sha.insert(img.id, img.sha256);
            if (!contents[img.identityId].contains(img.sha256)) {
                contents[img.identityId].insert(img.sha256);
                Identity &person = byId[img.identityId];
                person.id = img.identityId;
                person.key = keys.value(img.identityId);
                person.images.push_back(img.id);
            }
        }
    QVector<Identity> all = byId.values().toVector();
    if (all.size() < 2)
        throw std::runtime_error(QStringLiteral("pair generation needs at least two identities with images; the "
                                                "project has %1 (import an identity folder first)")
                                     .arg(all.size()).toStdString());

    Rng rng(opt.seed);
    PairGenReport rep;
    rep.requested = opt.pairs;

    // Choose K identities, those that can form same pairs first.
    rng.shuffle(all);
    std::stable_sort(all.begin(), all.end(), [](const Identity &x, const Identity &y) {
        return (x.images.size() >= 2) > (y.images.size() >= 2);
    });
    const int k = opt.identities <= 0 ? int(all.size()) : std::min<int>(opt.identities, int(all.size()));
    if (opt.identities > all.size())
        rep.notes << QStringLiteral("asked for %1 identities, the project has %2").arg(opt.identities).arg(all.size());
    QVector<Identity> chosen = all.mid(0, k);
    rep.identitiesUsed = k;
    QHash<QString, int> perKey;
    for (const Identity &p : chosen)
        ++perKey[p.key];
    const qsizetype sharing = std::count_if(chosen.begin(), chosen.end(), [&](const Identity &p) { return perKey[p.key] > 1; });
    if (sharing > 0)
        rep.notes << QStringLiteral("%1 people share a folder name with a person of another import root; no "
                                    "'different' pairs are drawn between them (they may be one person)").arg(sharing);

    QSet<quint64> taken = store::PairTable(st).unorderedKeys();
    QVector<Draft> drafts;
    const int wantSame = opt.pairs / 2, wantDiff = opt.pairs - opt.pairs / 2;
    SplitMethod method = opt.split;
    const double testFraction = 1.0 - opt.trainFraction - opt.validationFraction;

    if (method == SplitMethod::IdentityDisjoint) {
        const int nTrain = int(std::lround(k * opt.trainFraction));
        const int nVal = int(std::lround(k * opt.validationFraction));
        const int nTest = k - nTrain - nVal;
        auto needs = [](double frac, int n) { return frac > 0 && n < 2; };
        if (needs(opt.trainFraction, nTrain) || needs(opt.validationFraction, nVal) || needs(testFraction, nTest)) {
            rep.notes << QStringLiteral("%1 identities are too few for an identity-disjoint split (each split needs "
                                        "two); used a pair-level split instead").arg(k);
            method = SplitMethod::PairLevel;
        } else {
            const QVector<Identity> parts[3] = {chosen.mid(0, nTrain), chosen.mid(nTrain, nVal), chosen.mid(nTrain + nVal)};
            const double fr[3] = {opt.trainFraction, opt.validationFraction, testFraction};
            const QString names[3] = {"train", "validation", "test"};
            int sameDone = 0, diffDone = 0;
            for (int s = 0; s < 3; ++s) {
                const int ws = s == 2 ? wantSame - sameDone : int(std::lround(wantSame * fr[s]));
                const int wd = s == 2 ? wantDiff - diffDone : int(std::lround(wantDiff * fr[s]));
                int sm = 0, dm = 0;
                draw(parts[s], ws, wd, rng, taken, drafts, names[s], &sm, &dm, guard);
                sameDone += sm;
                diffDone += dm;
            }
        }
    }
    if (method == SplitMethod::PairLevel) {
        int sm = 0, dm = 0;
        draw(chosen, wantSame, wantDiff, rng, taken, drafts, QString(), &sm, &dm, guard);
        // Exact split sizes: shuffle, then cut by the fractions.
        rng.shuffle(drafts);
        const int n = drafts.size();
        const int nTrain = int(std::lround(n * opt.trainFraction));
        const int nVal = int(std::lround(n * opt.validationFraction));
        for (int i = 0; i < n; ++i)
            drafts[i].split = i < nTrain ? "train" : i < nTrain + nVal ? "validation" : "test";
    }
    rep.splitMethod = splitMethodName(method);

    // Interleave same and different so the labeller never sees a long run of one kind.
    rng.shuffle(drafts);
    store::PairTable pairs(st);
    store::Transaction tx(st.db());
    for (const Draft &d : drafts) {
        pairs.insert({d.a, d.b, d.same, QStringLiteral("generated"), d.split});
        d.same ? ++rep.same : ++rep.different;
        d.split == QLatin1String("train") ? ++rep.train : d.split == QLatin1String("validation") ? ++rep.validation : ++rep.test;
    }
    tx.commit();
    if (rep.same < wantSame)
        rep.notes << QStringLiteral("only %1 new same-identity pairs exist among the chosen identities (asked for %2)")
                         .arg(rep.same).arg(wantSame);
    if (rep.different < wantDiff)
        rep.notes << QStringLiteral("only %1 new different-identity pairs could be drawn (asked for %2)")
                         .arg(rep.different).arg(wantDiff);
    return rep;
}

} // namespace facelab::data
