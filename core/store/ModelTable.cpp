#include "ModelTable.h"

#include "StoreError.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlQuery>
#include <cmath>
#include <QStringList>
#include <QVariant>

namespace facelab::store {
namespace {
const QString kSelect = QStringLiteral(
    "SELECT v.id, v.model_id, m.name, m.family, v.name, v.parent_id, p.name, v.file, v.preprocessing_json, "
    "       v.threshold, v.created_by_run, v.created_at "
    "FROM model_versions v JOIN models m ON m.id = v.model_id "
    "LEFT JOIN model_versions p ON p.id = v.parent_id ");

ModelVersionRecord read(const QSqlQuery &q)
{
    ModelVersionRecord r;
    r.id = q.value(0).toLongLong();
    r.modelId = q.value(1).toLongLong();
    r.modelName = q.value(2).toString();
    r.family = q.value(3).toString();
    r.name = q.value(4).toString();
    r.parentId = q.value(5).toLongLong();
    r.parentName = q.value(6).toString();
    r.file = q.value(7).toString();
    r.preprocessingJson = q.value(8).toString();
    if (!q.value(9).isNull())
        r.threshold = q.value(9).toDouble();
    r.createdByRun = q.value(10).toLongLong();
    r.createdAt = q.value(11).toString();
    return r;
}

QVariant nullableId(qint64 id)
{
    return id > 0 ? QVariant(id) : QVariant(QMetaType(QMetaType::LongLong));
}
} // namespace

qint64 ModelTable::addModel(const QString &name, const QString &family, const QString &sourcePath) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("INSERT INTO models(name, family, source_path, created_at) VALUES(?, ?, ?, ?)"));
    q.addBindValue(name);
    q.addBindValue(family);
    q.addBindValue(sourcePath);
    q.addBindValue(nowIso());
    exec(q, "add model");
    return q.lastInsertId().toLongLong();
}

qint64 ModelTable::addVersion(qint64 modelId, const QString &name, qint64 parentId, const QString &file,
                              const QString &preprocessingJson, std::optional<double> threshold, qint64 runId) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("INSERT INTO model_versions(model_id, name, parent_id, file, preprocessing_json, threshold, "
                              "created_by_run, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
    q.addBindValue(modelId);
    q.addBindValue(name);
    q.addBindValue(nullableId(parentId));
    q.addBindValue(file);
    q.addBindValue(preprocessingJson);
    q.addBindValue(threshold ? QVariant(*threshold) : QVariant(QMetaType(QMetaType::Double)));
    q.addBindValue(nullableId(runId));
    q.addBindValue(nowIso());
    exec(q, "add model version");
    return q.lastInsertId().toLongLong();
}

QVector<ModelVersionRecord> ModelTable::versions() const
{
    QSqlQuery q(m_store.db());
    prepare(q, kSelect + QStringLiteral("ORDER BY v.id"));
    exec(q, "list model versions");
    QVector<ModelVersionRecord> out;
    while (q.next())
        out.push_back(read(q));
    return out;
}

std::optional<ModelVersionRecord> ModelTable::version(qint64 id) const
{
    QSqlQuery q(m_store.db());
    prepare(q, kSelect + QStringLiteral("WHERE v.id = ?"));
    q.addBindValue(id);
    exec(q, "read model version");
    if (!q.next())
        return std::nullopt;
    return read(q);
}

std::optional<ModelVersionRecord> ModelTable::versionByName(const QString &name) const
{
    QSqlQuery q(m_store.db());
    prepare(q, kSelect + QStringLiteral("WHERE v.name = ?"));
    q.addBindValue(name);
    exec(q, "find model version");
    if (!q.next())
        return std::nullopt;
    return read(q);
}

bool ModelTable::nameTaken(const QString &name) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT (SELECT count(*) FROM models WHERE name = ?) + "
                              "(SELECT count(*) FROM model_versions WHERE name = ?)"));
    q.addBindValue(name);
    q.addBindValue(name);
    exec(q, "check model name");
    return q.next() && q.value(0).toInt() > 0;
}

void ModelTable::setThreshold(qint64 versionId, double threshold) const
{
    // A cosine threshold; NaN would be stored as NULL and silently erase the one there.
    if (!std::isfinite(threshold) || threshold < -1 || threshold > 1)
        throw StoreError(QStringLiteral("threshold %1 is not a cosine similarity between -1 and 1").arg(threshold));
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("UPDATE model_versions SET threshold = ? WHERE id = ?"));
    q.addBindValue(threshold);
    q.addBindValue(versionId);
    exec(q, "set threshold");
}

std::optional<ModelVersionRecord> ModelTable::current() const
{
    const qint64 id = m_store.setting(QString::fromLatin1(kCurrentKey)).toLongLong();
    if (id > 0)
        if (auto v = version(id))
            return v;
    const QVector<ModelVersionRecord> all = versions();
    if (all.isEmpty())
        return std::nullopt;
    return all.back();
}

void ModelTable::setCurrent(qint64 versionId) const
{
    m_store.setSetting(QString::fromLatin1(kCurrentKey), QString::number(versionId));
}

QVector<ModelVersionRecord> ModelTable::children(qint64 versionId) const
{
    QSqlQuery q(m_store.db());
    prepare(q, kSelect + QStringLiteral("WHERE v.parent_id = ? ORDER BY v.id"));
    q.addBindValue(versionId);
    exec(q, "list child versions");
    QVector<ModelVersionRecord> out;
    while (q.next())
        out.push_back(read(q));
    return out;
}

void ModelTable::removeVersion(qint64 versionId) const
{
    const auto v = version(versionId);
    if (!v)
        throw StoreError(QStringLiteral("no model version with id %1").arg(versionId));
    const auto cur = current();
    if (cur && cur->id == versionId)
        throw StoreError(QStringLiteral("%1 is the current version; make another version current first").arg(v->name));
    const QVector<ModelVersionRecord> kids = children(versionId);
    if (!kids.isEmpty()) {
        QStringList names;
        for (const auto &k : kids)
            names << k.name;
        throw StoreError(QStringLiteral("%1 has fine-tuned versions made from it (%2); delete those first")
                             .arg(v->name, names.join(QStringLiteral(", "))));
    }

    bool fileShared = false;
    {
        Transaction tx(m_store.db());
        auto run = [&](const QString &sql, qint64 id, const char *what) {
            QSqlQuery q(m_store.db());
            prepare(q, sql);
            q.addBindValue(id);
            exec(q, what);
        };
        run(QStringLiteral("DELETE FROM embeddings WHERE model_version_id = ?"), versionId, "delete version embeddings");
        run(QStringLiteral("DELETE FROM pair_scores WHERE model_version_id = ?"), versionId, "delete version scores");
        run(QStringLiteral("UPDATE feedback SET model_version_id = NULL WHERE model_version_id = ?"), versionId,
            "detach verdicts from version");
        run(QStringLiteral("UPDATE metrics SET model_version_id = NULL WHERE model_version_id = ?"), versionId,
            "detach metrics from version");
        run(QStringLiteral("DELETE FROM model_versions WHERE id = ?"), versionId, "delete model version");
        run(QStringLiteral("DELETE FROM models WHERE id = ? AND NOT EXISTS "
                           "(SELECT 1 FROM model_versions WHERE model_id = models.id)"),
            v->modelId, "delete model without versions");
        QSqlQuery q(m_store.db());
        prepare(q, QStringLiteral("SELECT count(*) FROM model_versions WHERE file = ?"));
        q.addBindValue(v->file);
        exec(q, "check shared model file");
        fileShared = q.next() && q.value(0).toLongLong() > 0;
        tx.commit();
    }
    // The file after the commit: a failed delete leaves the registered version and its file intact.
    const QDir project(m_store.folder());
    const QString abs = QDir::cleanPath(project.absoluteFilePath(v->file));
    const bool inside = QFileInfo(v->file).isRelative() &&
                        abs.startsWith(QDir::cleanPath(project.absolutePath()) + QLatin1Char('/'));
    if (!fileShared && inside)
        QFile::remove(abs);
}

QMap<QString, double> ModelTable::runMetrics(qint64 runId, qint64 versionId) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT name, value FROM metrics WHERE run_id = ? AND model_version_id = ? ORDER BY id"));
    q.addBindValue(runId);
    q.addBindValue(versionId);
    exec(q, "read run metrics");
    QMap<QString, double> out;
    while (q.next())
        out.insert(q.value(0).toString(), q.value(1).toDouble());
    return out;
}

} // namespace facelab::store
