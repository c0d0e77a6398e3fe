#include "FaceTable.h"

#include "StoreError.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QVariant>

namespace facelab::store {
namespace {

QString pointsJson(const QPointF *p, int n)
{
    QJsonArray a;
    for (int i = 0; i < n; ++i)
        a.append(QJsonArray{p[i].x(), p[i].y()});
    return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Compact));
}

QVector<QPointF> pointsFromJson(const QString &s)
{
    QVector<QPointF> out;
    for (const QJsonValue &v : QJsonDocument::fromJson(s.toUtf8()).array())
        out.push_back(QPointF(v.toArray().at(0).toDouble(), v.toArray().at(1).toDouble()));
    return out;
}

FaceRecord readFace(const QSqlQuery &q)
{
    FaceRecord f;
    f.id = q.value(0).toLongLong();
    f.imageId = q.value(1).toLongLong();
    f.idx = q.value(2).toInt();
    f.box = QRectF(q.value(3).toDouble(), q.value(4).toDouble(), q.value(5).toDouble(), q.value(6).toDouble());
    f.score = q.value(7).toDouble();
    const QVector<QPointF> five = pointsFromJson(q.value(8).toString());
    for (int i = 0; i < 5 && i < five.size(); ++i)
        f.five[size_t(i)] = five[i];
    f.landmarks68 = pointsFromJson(q.value(9).toString());
    return f;
}

const char *const kFaceColumns = "id, image_id, idx, x, y, w, h, score, five, landmarks68";

} // namespace

void FaceTable::record(qint64 imageId, const QVector<FaceRecord> &faces, int chosen, const QString &status,
                       const QString &note) const
{
    QSqlDatabase db = m_store.db();
    Transaction tx(db);
    // A choice the user made survives re-detection when that face still exists.
    QSqlQuery prev(db);
    prepare(prev, QStringLiteral("SELECT i.face_choice, f.idx FROM images i LEFT JOIN faces f ON f.id = i.face_id WHERE i.id = ?"));
    prev.addBindValue(imageId);
    exec(prev, "read face choice");
    QString choice = QStringLiteral("auto");
    if (prev.next() && prev.value(0).toString() == QLatin1String("user") && !prev.value(1).isNull() &&
        prev.value(1).toInt() < faces.size()) {
        chosen = prev.value(1).toInt();
        choice = QStringLiteral("user");
    }
    prev.finish();

    QSqlQuery clear(db);
    prepare(clear, QStringLiteral("UPDATE images SET face_id = NULL WHERE id = ?"));
    clear.addBindValue(imageId);
    exec(clear, "clear chosen face");
    QSqlQuery del(db);
    prepare(del, QStringLiteral("DELETE FROM faces WHERE image_id = ?"));
    del.addBindValue(imageId);
    exec(del, "replace faces");

    QSqlQuery ins(db);
    prepare(ins, QStringLiteral("INSERT INTO faces(image_id, idx, x, y, w, h, score, five, landmarks68) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    qint64 chosenId = 0;
    for (int i = 0; i < faces.size(); ++i) {
        const FaceRecord &f = faces[i];
        ins.addBindValue(imageId);
        ins.addBindValue(i);
        ins.addBindValue(f.box.x());
        ins.addBindValue(f.box.y());
        ins.addBindValue(f.box.width());
        ins.addBindValue(f.box.height());
        ins.addBindValue(f.score);
        ins.addBindValue(pointsJson(f.five.data(), 5));
        ins.addBindValue(f.landmarks68.isEmpty() ? QVariant(QMetaType(QMetaType::QString))
                                                 : QVariant(pointsJson(f.landmarks68.constData(), int(f.landmarks68.size()))));
        exec(ins, "add face");
        if (i == chosen)
            chosenId = ins.lastInsertId().toLongLong();
    }
    QSqlQuery up(db);
    prepare(up, QStringLiteral("UPDATE images SET face_status = ?, face_id = ?, face_choice = ?, face_note = ? WHERE id = ?"));
    up.addBindValue(status);
    up.addBindValue(chosenId > 0 ? QVariant(chosenId) : QVariant(QMetaType(QMetaType::LongLong)));
    up.addBindValue(choice);
    up.addBindValue(note.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(note));
    up.addBindValue(imageId);
    exec(up, "record face status");
    tx.commit();
}

void FaceTable::choose(qint64 imageId, qint64 faceId) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("UPDATE images SET face_id = ?, face_choice = 'user' WHERE id = ? AND "
                              "EXISTS (SELECT 1 FROM faces WHERE id = ? AND image_id = ?)"));
    q.addBindValue(faceId);
    q.addBindValue(imageId);
    q.addBindValue(faceId);
    q.addBindValue(imageId);
    exec(q, "choose face");
    if (q.numRowsAffected() != 1)
        throw StoreError(QStringLiteral("face %1 does not belong to image %2").arg(faceId).arg(imageId));
}

QVector<FaceRecord> FaceTable::faces(qint64 imageId) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT %1 FROM faces WHERE image_id = ? ORDER BY idx").arg(QLatin1String(kFaceColumns)));
    q.addBindValue(imageId);
    exec(q, "list faces");
    QVector<FaceRecord> out;
    while (q.next())
        out.push_back(readFace(q));
    return out;
}

std::optional<FaceRecord> FaceTable::chosen(qint64 imageId) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT %1 FROM faces WHERE id = (SELECT face_id FROM images WHERE id = ?)")
                   .arg(QLatin1String(kFaceColumns)));
    q.addBindValue(imageId);
    exec(q, "read chosen face");
    if (!q.next())
        return std::nullopt;
    return readFace(q);
}

QVector<qint64> FaceTable::imagesWithStatus(const QString &status) const
{
    QSqlQuery q(m_store.db());
    q.setForwardOnly(true);
    prepare(q, QStringLiteral("SELECT id FROM images WHERE face_status = ? ORDER BY id"));
    q.addBindValue(status);
    exec(q, "list images by face status");
    QVector<qint64> out;
    while (q.next())
        out.push_back(q.value(0).toLongLong());
    return out;
}

FaceStatusCounts FaceTable::counts() const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT face_status, count(*) FROM images GROUP BY face_status"));
    exec(q, "count face status");
    FaceStatusCounts c;
    while (q.next()) {
        const QString s = q.value(0).toString();
        const qint64 n = q.value(1).toLongLong();
        if (s == QLatin1String("found")) c.found = n;
        else if (s == QLatin1String("none")) c.none = n;
        else if (s == QLatin1String("prealigned")) c.prealigned = n;
        else if (s == QLatin1String("unreadable")) c.unreadable = n;
        else c.pending = n;
    }
    return c;
}

QString FaceTable::note(qint64 imageId) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT face_note FROM images WHERE id = ?"));
    q.addBindValue(imageId);
    exec(q, "read face note");
    return q.next() ? q.value(0).toString() : QString();
}

void FaceTable::resetAll() const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("UPDATE images SET face_status = 'pending'"));
    exec(q, "reset face status");
}

QString FaceTable::alignedPath(const ProjectStore &store, qint64 imageId)
{
    return QDir(store.folder()).filePath(QStringLiteral("aligned/%1.png").arg(imageId));
}

} // namespace facelab::store
