#include "Schema.h"

#include "StoreError.h"

#include <QSqlQuery>
#include <QVariant>

namespace facelab::store {
namespace {

// Step 1: data, pairs and verdicts (FaceLab 0.1 before models existed).
const char *const kStep1[] = {
    R"(CREATE TABLE settings(
         key TEXT PRIMARY KEY,
         value TEXT NOT NULL))",
    R"(CREATE TABLE import_roots(
         id INTEGER PRIMARY KEY,
         path TEXT NOT NULL UNIQUE,
         kind TEXT NOT NULL CHECK(kind IN ('identities','pairs','demo')),
         added_at TEXT NOT NULL))",
    R"(CREATE TABLE identities(
         id INTEGER PRIMARY KEY,
         name TEXT NOT NULL UNIQUE))",
    R"(CREATE TABLE images(
         id INTEGER PRIMARY KEY,
         root_id INTEGER NOT NULL REFERENCES import_roots(id),
         rel_path TEXT NOT NULL,
         sha256 TEXT NOT NULL,
         size_bytes INTEGER NOT NULL,
         width INTEGER NOT NULL,
         height INTEGER NOT NULL,
         identity_id INTEGER REFERENCES identities(id),
         added_at TEXT NOT NULL,
         UNIQUE(root_id, sha256)))",
    "CREATE INDEX images_identity ON images(identity_id)",
    "CREATE INDEX images_path ON images(root_id, rel_path)",
    R"(CREATE TABLE pairs(
         id INTEGER PRIMARY KEY,
         image_a INTEGER NOT NULL REFERENCES images(id),
         image_b INTEGER NOT NULL REFERENCES images(id),
         truth INTEGER CHECK(truth IN (0, 1)),
         origin TEXT NOT NULL CHECK(origin IN ('imported','generated','mined')),
         split TEXT NOT NULL DEFAULT 'train' CHECK(split IN ('train','validation','test')),
         created_at TEXT NOT NULL,
         CHECK(image_a <> image_b)))",
    // A pair is the same pair whichever side an image is shown on.
    "CREATE UNIQUE INDEX pairs_unordered ON pairs(min(image_a, image_b), max(image_a, image_b))",
    R"(CREATE TABLE feedback(
         id INTEGER PRIMARY KEY,
         pair_id INTEGER NOT NULL REFERENCES pairs(id),
         verdict TEXT NOT NULL CHECK(verdict IN ('same','different','skip')),
         created_at TEXT NOT NULL,
         undone INTEGER NOT NULL DEFAULT 0 CHECK(undone IN (0, 1)),
         undone_at TEXT))",
    "CREATE INDEX feedback_pair ON feedback(pair_id, undone, id)",
    R"(CREATE TABLE runs(
         id INTEGER PRIMARY KEY,
         kind TEXT NOT NULL,
         params_json TEXT NOT NULL DEFAULT '{}',
         status TEXT NOT NULL CHECK(status IN ('queued','running','done','failed','cancelled','interrupted')),
         started_at TEXT,
         ended_at TEXT,
         log TEXT NOT NULL DEFAULT ''))",
};

// Step 2: models, their versions, metrics, the embedding cache, and which model was on screen
// when a verdict was given.
const char *const kStep2[] = {
    R"(CREATE TABLE models(
         id INTEGER PRIMARY KEY,
         name TEXT NOT NULL UNIQUE,
         family TEXT NOT NULL,
         source_path TEXT,
         created_at TEXT NOT NULL))",
    R"(CREATE TABLE model_versions(
         id INTEGER PRIMARY KEY,
         model_id INTEGER NOT NULL REFERENCES models(id),
         name TEXT NOT NULL UNIQUE,
         parent_id INTEGER REFERENCES model_versions(id),
         file TEXT NOT NULL,
         preprocessing_json TEXT NOT NULL,
         threshold REAL,
         created_by_run INTEGER REFERENCES runs(id),
         created_at TEXT NOT NULL))",
    R"(CREATE TABLE metrics(
         id INTEGER PRIMARY KEY,
         run_id INTEGER NOT NULL REFERENCES runs(id),
         model_version_id INTEGER REFERENCES model_versions(id),
         name TEXT NOT NULL,
         value REAL NOT NULL))",
    "CREATE INDEX metrics_run ON metrics(run_id)",
    R"(CREATE TABLE embeddings(
         model_version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
         image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
         dim INTEGER NOT NULL,
         vector BLOB NOT NULL,
         PRIMARY KEY(model_version_id, image_id)) WITHOUT ROWID)",
    "ALTER TABLE feedback ADD COLUMN model_version_id INTEGER REFERENCES model_versions(id)",
    "ALTER TABLE feedback ADD COLUMN score REAL",
};

// Step 3: faces found in each image, the one kept for it (the user may change it), why an image
// has none, and pair scores per model version.
const char *const kStep3[] = {
    R"(CREATE TABLE faces(
         id INTEGER PRIMARY KEY,
         image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
         idx INTEGER NOT NULL,
         x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,
         score REAL NOT NULL,
         five TEXT NOT NULL,
         landmarks68 TEXT,
         UNIQUE(image_id, idx)))",
    "ALTER TABLE images ADD COLUMN face_status TEXT NOT NULL DEFAULT 'pending'",
    "ALTER TABLE images ADD COLUMN face_id INTEGER REFERENCES faces(id)",
    "ALTER TABLE images ADD COLUMN face_choice TEXT NOT NULL DEFAULT 'auto'",
    "ALTER TABLE images ADD COLUMN face_note TEXT",
    "CREATE INDEX images_face_status ON images(face_status)",
    // The process running a run: opening a project interrupts only runs whose process is gone.
    "ALTER TABLE runs ADD COLUMN pid INTEGER",
    // Cosine similarity of each pair under a model version: the queue's uncertainty order and
    // the evaluation read it.
    R"(CREATE TABLE pair_scores(
         model_version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
         pair_id INTEGER NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
         score REAL NOT NULL,
         PRIMARY KEY(model_version_id, pair_id)) WITHOUT ROWID)",
};

// Step 4: each embedding's norm before L2 normalisation (MagFace's face quality; a confidence cue
// for any model). NULL for vectors cached before this step.
const char *const kStep4[] = {
    "ALTER TABLE embeddings ADD COLUMN norm REAL",
};

// Step 5: model inversions (images a model makes of an identity or an image) and their scores
// under each model that judged them. Files are relative to the project folder.
const char *const kStep5[] = {
    R"(CREATE TABLE inversions(
         id INTEGER PRIMARY KEY,
         run_id INTEGER NOT NULL REFERENCES runs(id),
         model_version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
         target_kind TEXT NOT NULL CHECK(target_kind IN ('identity','image')),
         identity_id INTEGER REFERENCES identities(id),
         target_image_id INTEGER REFERENCES images(id),
         idx INTEGER NOT NULL,
         file TEXT NOT NULL,
         params_json TEXT NOT NULL,
         steps_run INTEGER NOT NULL,
         created_at TEXT NOT NULL,
         UNIQUE(run_id, idx)))",
    "CREATE INDEX inversions_identity ON inversions(identity_id)",
    R"(CREATE TABLE inversion_scores(
         inversion_id INTEGER NOT NULL REFERENCES inversions(id) ON DELETE CASCADE,
         model_version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
         target_cosine REAL NOT NULL,
         identity_rank INTEGER,
         PRIMARY KEY(inversion_id, model_version_id)) WITHOUT ROWID)",
};

// Step 6: a person is a folder within one import root (issue 13), so same-named folders under
// two roots are two people. NULL for people made before this step or named by a pairs file:
// those are known by their name only.
const char *const kStep6[] = {
    "ALTER TABLE identities ADD COLUMN root_id INTEGER REFERENCES import_roots(id)",
    "ALTER TABLE identities ADD COLUMN folder TEXT",
    "CREATE UNIQUE INDEX identities_root_folder ON identities(root_id, folder) WHERE root_id IS NOT NULL",
};

// Step 7: each pair's current verdict (its newest feedback row not undone) kept on the pair, so
// the queue snapshot and the counts read one column instead of searching feedback per pair.
// Triggers keep it in the statement that changes feedback: a verdict, an undo and a batch
// (`label --from`) update it in their own transaction, whoever writes. Filled here from the
// feedback of existing projects.
const char *const kStep7[] = {
    "ALTER TABLE pairs ADD COLUMN verdict TEXT CHECK(verdict IN ('same','different','skip'))",
    R"(UPDATE pairs SET verdict = (SELECT f.verdict FROM feedback f WHERE f.pair_id = pairs.id AND f.undone = 0
                                  ORDER BY f.id DESC LIMIT 1))",
    "CREATE INDEX pairs_verdict ON pairs(verdict)",
    R"(CREATE TRIGGER feedback_verdict_insert AFTER INSERT ON feedback BEGIN
         UPDATE pairs SET verdict = (SELECT f.verdict FROM feedback f WHERE f.pair_id = NEW.pair_id AND f.undone = 0
                                     ORDER BY f.id DESC LIMIT 1)
         WHERE id = NEW.pair_id;
       END)",
    R"(CREATE TRIGGER feedback_verdict_update AFTER UPDATE OF undone, verdict, pair_id ON feedback BEGIN
         UPDATE pairs SET verdict = (SELECT f.verdict FROM feedback f WHERE f.pair_id = pairs.id AND f.undone = 0
                                     ORDER BY f.id DESC LIMIT 1)
         WHERE id IN (OLD.pair_id, NEW.pair_id);
       END)",
    R"(CREATE TRIGGER feedback_verdict_delete AFTER DELETE ON feedback BEGIN
         UPDATE pairs SET verdict = (SELECT f.verdict FROM feedback f WHERE f.pair_id = OLD.pair_id AND f.undone = 0
                                     ORDER BY f.id DESC LIMIT 1)
         WHERE id = OLD.pair_id;
       END)",
};

template <size_t N>
QStringList toList(const char *const (&a)[N])
{
    QStringList l;
    for (const char *s : a)
        l << QString::fromUtf8(s);
    return l;
}

} // namespace

int latestSchemaVersion() { return 7; }

QStringList migrationStatements(int version)
{
    switch (version) {
    case 1: return toList(kStep1);
    case 2: return toList(kStep2);
    case 3: return toList(kStep3);
    case 4: return toList(kStep4);
    case 5: return toList(kStep5);
    case 6: return toList(kStep6);
    case 7: return toList(kStep7);
    default: return {};
    }
}

int schemaVersion(QSqlDatabase db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
        throw StoreError(QStringLiteral("cannot read schema version: %1").arg(q.lastError().text()));
    return q.value(0).toInt();
}

void migrate(QSqlDatabase db)
{
    const int have = schemaVersion(db);
    if (have > latestSchemaVersion())
        throw StoreError(QStringLiteral("%1 has schema version %2; this FaceLab reads up to %3. "
                                        "Open it with a newer FaceLab.")
                             .arg(db.databaseName())
                             .arg(have)
                             .arg(latestSchemaVersion()));
    for (int v = have + 1; v <= latestSchemaVersion(); ++v) {
        Transaction tx(db);
        for (const QString &sql : migrationStatements(v))
            execRaw(db, sql, "schema migration");
        // PRAGMA cannot take bound values; v is our own integer.
        execRaw(db, QStringLiteral("PRAGMA user_version=%1").arg(v), "set schema version");
        tx.commit();
    }
}

} // namespace facelab::store
