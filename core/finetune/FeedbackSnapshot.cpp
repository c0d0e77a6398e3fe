#include "FeedbackSnapshot.h"

#include "store/FaceTable.h"
#include "store/ImageTable.h"
#include "store/PairTable.h"

#include <QFileInfo>
#include <QHash>
#include <QSet>
#include <random>
#include <stdexcept>

namespace facelab::finetune {

namespace {

[[noreturn]] void fail(const QString &message)
{
    throw std::runtime_error(message.toStdString());
}

// Why an image cannot be trained on, or an empty string when it can.
QString unusableReason(const store::ProjectStore &store, const store::ImageRecord &img)
{
    if (img.faceStatus == QLatin1String("none"))
        return QStringLiteral("no face was found in it");
    if (img.faceStatus == QLatin1String("unreadable"))
        return QStringLiteral("the image file is missing or unreadable");
    if (img.faceStatus == QLatin1String("pending"))
        return QStringLiteral("faces have not been detected yet");
    if (!QFileInfo::exists(store::FaceTable::alignedPath(store, img.id)))
        return QStringLiteral("its aligned face crop is missing (run the face stage again)");
    return {};
}

int countSame(const QVector<SnapshotPair> &v)
{
    return int(std::count_if(v.begin(), v.end(), [](const SnapshotPair &p) { return p.same; }));
}

bool bothClasses(const QVector<SnapshotPair> &v)
{
    const int same = countSame(v);
    return same > 0 && same < v.size();
}

// Known identities of the pairs; known = false when an image has none.
QSet<qint64> identitiesOf(const QVector<SnapshotPair> &v, bool *known = nullptr)
{
    QSet<qint64> out;
    for (const SnapshotPair &p : v) {
        for (qint64 id : {p.identityA, p.identityB}) {
            if (id > 0)
                out << id;
            else if (known)
                *known = false;
        }
    }
    return out;
}

// Whole people held out of pool until their pairs are about fraction of it; pairs between a
// held-out and a training person go to neither. False when that leaves either side without both
// classes or validation below minimum.
bool holdOutPeople(const QVector<SnapshotPair> &pool, const SnapshotOptions &opt, QVector<SnapshotPair> &train,
                   QVector<SnapshotPair> &validation, qint64 &crossPairs)
{
    QList<qint64> people = identitiesOf(pool).values();
    std::sort(people.begin(), people.end());
    if (people.size() < 3)
        return false;
    std::mt19937_64 rng(opt.seed);
    for (int i = people.size(); i > 1; --i)
        std::swap(people[i - 1], people[int(rng() % quint64(i))]);
    QSet<qint64> held;
    QVector<SnapshotPair> t, v;
    qint64 cross = 0;
    for (int k = 0; k + 2 < people.size(); ++k) {
        held << people[k];
        t.clear();
        v.clear();
        cross = 0;
        for (const SnapshotPair &p : pool) {
            const bool a = held.contains(p.identityA), b = held.contains(p.identityB);
            if (a && b)
                v.push_back(p);
            else if (!a && !b)
                t.push_back(p);
            else
                ++cross;
        }
        if (v.size() >= opt.holdOutFraction * pool.size() && bothClasses(v))
            break;
    }
    if (v.size() < opt.minValidation || !bothClasses(v) || !bothClasses(t))
        return false;
    train = t;
    validation = v;
    crossPairs = cross;
    return true;
}

} // namespace

FeedbackSnapshot takeFeedbackSnapshot(const store::ProjectStore &store, const SnapshotOptions &opt)
{
    FeedbackSnapshot snap;
    snap.takenAt = store::nowIso();
    const QVector<store::PairRecord> pairs = store::PairTable(store).all();

    QHash<qint64, QString> reasonOf;   // image id -> why unusable ("" = usable)
    auto reason = [&](const store::ImageRecord &img) -> const QString & {
        auto it = reasonOf.find(img.id);
        if (it == reasonOf.end())
            it = reasonOf.insert(img.id, unusableReason(store, img));
        return *it;
    };
    QStringList firstProblems;
    QSet<qint64> testImages;
    for (const store::PairRecord &p : pairs)
        if (p.split == QLatin1String("test"))
            testImages << p.a.id << p.b.id;

    for (const store::PairRecord &p : pairs) {
        if (!p.verdict || *p.verdict == store::Verdict::Skip)
            continue;
        ++snap.verdicts;
        const SnapshotPair sp{p.id, p.a.id, p.b.id, *p.verdict == store::Verdict::Same, p.a.identityId, p.b.identityId};
        bool usable = true;
        for (const store::ImageRecord *img : {&p.a, &p.b}) {
            const QString &why = reason(*img);
            if (!why.isEmpty()) {
                usable = false;
                if (firstProblems.size() < 3)
                    firstProblems << QStringLiteral("%1: %2").arg(img->absPath, why);
                break;
            }
        }
        if (!usable) {
            ++snap.unusable;
            continue;
        }
        if (p.split == QLatin1String("test") && !opt.includeTestSplit) {
            snap.test.push_back(sp);
            ++snap.testVerdictsExcluded;
        } else if (p.split == QLatin1String("validation")) {
            snap.validation.push_back(sp);
        } else {
            snap.train.push_back(sp);
            if (p.split == QLatin1String("test") || testImages.contains(p.a.id) || testImages.contains(p.b.id))
                ++snap.trainSharingTestImages;
        }
    }

    if (snap.verdicts == 0)
        fail(QStringLiteral("the project has no same/different verdicts yet: label some pairs first "
                            "(fine-tuning learns from your verdicts)"));
    if (snap.train.isEmpty() && snap.validation.isEmpty() && snap.testVerdictsExcluded == 0)
        fail(QStringLiteral("none of the %1 verdicts can be used: %2").arg(snap.verdicts).arg(firstProblems.join(QStringLiteral("; "))));
    if (snap.train.isEmpty())
        fail(QStringLiteral("all %1 usable verdicts are on test-split pairs, which are held out for the before/after "
                            "comparison; label pairs of the training split, or include the test split (the "
                            "comparison then stops being held out)").arg(snap.testVerdictsExcluded));
    if (snap.unusable > 0)
        snap.notes << QStringLiteral("%1 verdicts left out: their pairs lack two aligned faces (%2)")
                          .arg(snap.unusable).arg(firstProblems.join(QStringLiteral("; ")));
    if (snap.testVerdictsExcluded > 0)
        snap.notes << QStringLiteral("%1 verdicts on test-split pairs are kept out of training and used for the "
                                     "before/after comparison").arg(snap.testVerdictsExcluded);
    if (opt.includeTestSplit && snap.trainSharingTestImages > 0)
        snap.notes << QStringLiteral("warning: test-split pairs are included in training (%1 training pairs use "
                                     "test images); test figures are no longer held out").arg(snap.trainSharingTestImages);
    else if (snap.trainSharingTestImages > 0)
        snap.notes << QStringLiteral("warning: %1 training pairs share an image with test-split pairs (pair-level "
                                     "split), so the test comparison is not fully independent of training")
                          .arg(snap.trainSharingTestImages);

    bool known = true;
    identitiesOf(snap.train, &known);
    identitiesOf(snap.validation, &known);
    const bool splitUsable = snap.validation.size() >= opt.minValidation && bothClasses(snap.validation);
    const bool splitDisjoint = known && !identitiesOf(snap.train).intersects(identitiesOf(snap.validation));
    auto byId = [](const SnapshotPair &x, const SnapshotPair &y) { return x.pairId < y.pairId; };
    QVector<SnapshotPair> pool = snap.train;
    pool += snap.validation;
    std::sort(pool.begin(), pool.end(), byId);
    QVector<SnapshotPair> heldTrain, heldVal;
    qint64 cross = 0;
    if (splitUsable && (splitDisjoint || !opt.identityDisjointValidation || !known)) {
        snap.validationSource = QStringLiteral("validation split");
        snap.validationIdentityDisjoint = splitDisjoint;
        if (!known)
            snap.notes << QStringLiteral("validation: some images have no identity, so it cannot be told whether the "
                                         "validation people were trained on; the best epoch may favour memorised people");
        else if (!splitDisjoint)
            snap.notes << QStringLiteral("validation: the validation split shares people with training");
    } else if (opt.identityDisjointValidation && known && holdOutPeople(pool, opt, heldTrain, heldVal, cross)) {
        snap.train = heldTrain;
        snap.validation = heldVal;
        snap.crossPairsLeftOut = cross;
        snap.validationIdentityDisjoint = true;
        snap.validationSource = QStringLiteral("people held out from training verdicts");
        snap.notes << QStringLiteral("validation: %1 verdicts on %2 people held out from training, so the best epoch is "
                                     "chosen on people never trained on; %3 verdicts between a held-out and a training "
                                     "person are left out of both")
                          .arg(snap.validation.size()).arg(identitiesOf(snap.validation).size()).arg(cross);
    } else {
        // Hold out a seeded share of each class of the training verdicts.
        QVector<SnapshotPair> keep = std::move(snap.train);
        snap.train.clear();
        for (const SnapshotPair &p : snap.validation)
            keep.push_back(p);   // too few to validate on alone: they join the pool
        snap.validation.clear();
        std::mt19937_64 rng(opt.seed);
        for (bool cls : {true, false}) {
            QVector<SnapshotPair> of;
            for (const SnapshotPair &p : keep)
                if (p.same == cls)
                    of.push_back(p);
            for (int i = of.size(); i > 1; --i)
                std::swap(of[i - 1], of[int(rng() % quint64(i))]);
            int held = int(std::lround(opt.holdOutFraction * of.size()));
            if (of.size() >= 2)
                held = std::clamp(held, 1, int(of.size()) - 1);
            else
                held = 0;
            for (int i = 0; i < of.size(); ++i)
                (i < held ? snap.validation : snap.train).push_back(of[i]);
        }
        std::sort(snap.train.begin(), snap.train.end(), byId);
        std::sort(snap.validation.begin(), snap.validation.end(), byId);
        snap.validationSource = QStringLiteral("held out from training verdicts");
        snap.validationIdentityDisjoint = known && !identitiesOf(snap.train).intersects(identitiesOf(snap.validation));
        snap.notes << QStringLiteral("validation: %1 of the training verdicts held out (%2); it shares people with "
                                     "training, so the best epoch may favour memorised people")
                          .arg(snap.validation.size())
                          .arg(!known ? QStringLiteral("some images have no identity")
                                      : QStringLiteral("too few people or verdicts to hold out whole people"));
    }
    if (!bothClasses(snap.train))
        fail(QStringLiteral("the %1 training verdicts are all \"%2\": contrastive fine-tuning needs both same-person "
                            "and different-person verdicts; label some of the other kind")
                 .arg(snap.train.size()).arg(countSame(snap.train) ? QStringLiteral("same") : QStringLiteral("different")));
    if (!bothClasses(snap.validation))
        fail(QStringLiteral("too few verdicts to validate on (%1 training verdicts, %2 same): label at least two "
                            "of each kind").arg(snap.train.size() + snap.validation.size())
                 .arg(countSame(snap.train) + countSame(snap.validation)));

    QSet<qint64> imgs;
    for (const auto *set : {&snap.train, &snap.validation})
        for (const SnapshotPair &p : *set)
            imgs << p.imageA << p.imageB;
    snap.images = QVector<qint64>(imgs.begin(), imgs.end());
    std::sort(snap.images.begin(), snap.images.end());
    {
        bool trainKnown = true;
        QList<qint64> ids = identitiesOf(snap.train, &trainKnown).values();
        std::sort(ids.begin(), ids.end());
        if (trainKnown)   // empty otherwise: nobody can be said to be unseen
            snap.trainIdentities = QVector<qint64>(ids.begin(), ids.end());
    }

    // Unlabelled faces: in no verdict pair (any split), in no test pair, of no validation or test person.
    if (opt.maxAnchors > 0) {
        QSet<qint64> excludedImages = testImages, excludedPeople = identitiesOf(snap.validation);
        for (const store::PairRecord &p : pairs) {
            if (p.verdict && *p.verdict != store::Verdict::Skip)
                excludedImages << p.a.id << p.b.id;
            if (p.split == QLatin1String("test") || p.split == QLatin1String("validation"))
                for (qint64 id : {p.a.identityId, p.b.identityId})
                    if (id > 0)
                        excludedPeople << id;
        }
        for (const store::ImageRecord &img : store::ImageTable(store).all()) {
            if (excludedImages.contains(img.id) || (img.identityId > 0 && excludedPeople.contains(img.identityId)))
                continue;
            if (img.faceStatus != QLatin1String("found") && img.faceStatus != QLatin1String("prealigned"))
                continue;
            if (reason(img).isEmpty())
                snap.anchors.push_back(img.id);
        }
        std::sort(snap.anchors.begin(), snap.anchors.end());
        if (snap.anchors.size() > opt.maxAnchors) {
            std::mt19937_64 rng(opt.seed + 1);
            for (int i = snap.anchors.size(); i > 1; --i)
                std::swap(snap.anchors[i - 1], snap.anchors[int(rng() % quint64(i))]);
            snap.anchors.resize(opt.maxAnchors);
            std::sort(snap.anchors.begin(), snap.anchors.end());
        }
    }
    return snap;
}

} // namespace facelab::finetune
