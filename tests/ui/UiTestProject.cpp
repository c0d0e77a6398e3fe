#include "UiTestProject.h"

#include "store/ImageTable.h"
#include "store/PairTable.h"
#include "store/StoreError.h"

#include <QColor>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>

namespace facelab::test {

std::unique_ptr<UiTestProject> UiTestProject::withImages(int identities, int imagesPerIdentity, int pairs, QSize size)
{
    auto p = std::make_unique<UiTestProject>();
    p->folder = QDir(p->tmp.path()).filePath(QStringLiteral("project"));
    p->imagesRoot = QDir(p->tmp.path()).filePath(QStringLiteral("faces"));
    p->store = std::make_unique<store::ProjectStore>(store::ProjectStore::open(p->folder, true));
    store::ImageTable images(*p->store);
    const qint64 root = images.ensureRoot(p->imagesRoot, QStringLiteral("identities"));
    QVector<QVector<qint64>> byIdentity;
    for (int i = 0; i < identities; ++i) {
        const QString name = QStringLiteral("Person_%1").arg(QChar('A' + i));
        p->identities << name;
        const qint64 identityId = images.ensureIdentity(name);
        QDir(p->imagesRoot).mkpath(name);
        byIdentity.push_back({});
        for (int j = 0; j < imagesPerIdentity; ++j) {
            const QString rel = QStringLiteral("%1/%1_%2.png").arg(name).arg(j + 1, 4, 10, QChar('0'));
            const QString abs = QDir(p->imagesRoot).filePath(rel);
            QImage img(size, QImage::Format_RGB32);
            img.fill(QColor::fromHsv((i * 47) % 360, 120, 200 - j * 20));
            QPainter painter(&img);
            // A face-like blob: an oval, two eyes and a mouth, varying a little per identity.
            painter.setBrush(QColor::fromHsv((i * 47 + 20) % 360, 60, 230));
            painter.drawEllipse(QRectF(size.width() * 0.2, size.height() * 0.15, size.width() * 0.6, size.height() * 0.7));
            painter.setBrush(Qt::black);
            const qreal ey = size.height() * (0.4 + 0.02 * i);
            painter.drawEllipse(QPointF(size.width() * 0.38, ey), 3 + j, 3);
            painter.drawEllipse(QPointF(size.width() * 0.62, ey), 3 + j, 3);
            painter.drawLine(QPointF(size.width() * (0.4 - 0.02 * i), size.height() * 0.65),
                             QPointF(size.width() * (0.6 + 0.02 * i), size.height() * 0.65));
            painter.end();
            img.save(abs);
            store::NewImage ni;
            ni.relPath = rel;
            ni.sha256 = QStringLiteral("%1-%2").arg(i).arg(j);
            ni.sizeBytes = QFileInfo(abs).size();
            ni.width = img.width();
            ni.height = img.height();
            ni.identityId = identityId;
            const qint64 id = images.insert(root, ni).first;
            p->imageIds << id;
            p->imagePath.insert(id, abs);
            p->imageIdentity.insert(id, name);
            byIdentity.back() << id;
        }
    }
    store::PairTable pt(*p->store);
    int made = 0;
    for (int k = 0; made < pairs && k < pairs * 10; ++k) {
        store::NewPair np;
        const int i = k % identities;
        const bool same = (k % 2 == 0) && imagesPerIdentity >= 2;
        if (same) {
            const int a = (k / identities) % imagesPerIdentity;
            const int b = (a + 1 + (k / (identities * imagesPerIdentity)) % (imagesPerIdentity - 1)) % imagesPerIdentity;
            np.imageA = byIdentity[i][a];
            np.imageB = byIdentity[i][b];
        } else {
            const int i2 = (i + 1 + k / identities) % identities;
            if (i2 == i)
                continue;
            np.imageA = byIdentity[i][(k / 3) % imagesPerIdentity];
            np.imageB = byIdentity[i2][(k / 5) % imagesPerIdentity];
        }
        if (np.imageA == np.imageB)
            continue;
        np.truth = same;
        np.origin = QStringLiteral("generated");
        const auto [id, added] = pt.insert(np);
        if (!added)
            continue;
        p->pairIds << id;
        p->pairImages.insert(id, {np.imageA, np.imageB});
        ++made;
    }
    return p;
}

std::unique_ptr<UiTestProject> UiTestProject::large(int pairs)
{
    auto p = std::make_unique<UiTestProject>();
    p->folder = QDir(p->tmp.path()).filePath(QStringLiteral("project"));
    p->imagesRoot = QDir(p->tmp.path()).filePath(QStringLiteral("faces"));
    p->store = std::make_unique<store::ProjectStore>(store::ProjectStore::open(p->folder, true));
    store::ImageTable images(*p->store);
    store::PairTable pt(*p->store);
    store::Transaction tx(p->store->db());
    const qint64 root = images.ensureRoot(p->imagesRoot, QStringLiteral("identities"));
    int n = 2;
    while (n * (n - 1) / 2 < pairs)
        ++n;
    for (int i = 0; i < n; ++i) {
        const qint64 identityId = images.ensureIdentity(QStringLiteral("id%1").arg(i / 4));
        store::NewImage ni;
        ni.relPath = QStringLiteral("id%1/img%2.png").arg(i / 4).arg(i);
        ni.sha256 = QString::number(i);
        ni.width = ni.height = 100;
        ni.identityId = identityId;
        p->imageIds << images.insert(root, ni).first;
    }
    for (int a = 0; a < n && p->pairIds.size() < pairs; ++a)
        for (int b = a + 1; b < n && p->pairIds.size() < pairs; ++b) {
            store::NewPair np;
            np.imageA = p->imageIds[a];
            np.imageB = p->imageIds[b];
            np.origin = QStringLiteral("generated");
            p->pairIds << pt.insert(np).first;
        }
    tx.commit();
    return p;
}

QVector<UiTestProject::Row> UiTestProject::feedbackRows() const
{
    QVector<Row> rows;
    const QString name = QStringLiteral("uitest-check-") + QUuid::createUuid().toString();
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(store->dbPath());
        if (db.open()) {
            QSqlQuery q(db);
            q.exec(QStringLiteral("SELECT id, pair_id, verdict, undone FROM feedback ORDER BY id"));
            while (q.next())
                rows.push_back({q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toString(),
                                q.value(3).toInt() != 0});
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return rows;
}

} // namespace facelab::test
