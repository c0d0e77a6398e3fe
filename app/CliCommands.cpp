#include "CliCommands.h"
#include "EvalCommands.h"
#include "OptionParsing.h"
#include "QueueCommands.h"
#ifdef FACELAB_WITH_TORCH
#include "InvertCommands.h"
#include "LinearizeCommands.h"
#include "TrainCommands.h"
#endif

#include "data/DemoProject.h"
#ifdef FACELAB_WITH_TORCH
#include "embedding/EmbeddingJob.h"
#include "embedding/ModelExport.h"
#include "embedding/ModelImport.h"
#include "nn/families/CheckpointInspection.h"
#include "store/ModelTable.h"
#endif
#include "data/FaceIndexer.h"
#include "data/IdentityFolderImport.h"
#include "data/PairGenerator.h"
#include "data/PairsFileImport.h"
#include "data/VerdictFile.h"
#include "jobs/RunRecorded.h"
#include "store/FeedbackTable.h"
#include "store/PairTable.h"
#include "store/ProjectStore.h"
#include "store/RunTable.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>
#include <cmath>
#include <limits>
#include <functional>

namespace facelab::cli {
namespace {

using store::ProjectStore;

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

void printJson(const QJsonObject &o)
{
    out() << QJsonDocument(o).toJson(QJsonDocument::Indented);
    out().flush();
}

void printJson(const QJsonArray &a)
{
    out() << QJsonDocument(a).toJson(QJsonDocument::Indented);
    out().flush();
}

struct Command
{
    const char *name;
    const char *help;
    std::function<int(QCommandLineParser &, const QStringList &)> run;
    std::function<void(QCommandLineParser &)> options;
};

// Options of which a command acts on one: two given together is an error naming both, never a
// silent choice of one (label --pair 5 --same --undo used to undo another pair's verdict).
void oneOf(const QCommandLineParser &p, std::initializer_list<const char *> options)
{
    QStringList given;
    for (const char *o : options)
        if (p.isSet(QLatin1String(o)))
            given << QStringLiteral("--") + QLatin1String(o);
    if (given.size() > 1)
        throw UsageError(QStringLiteral("%1 and %2 cannot be given together").arg(given[0], given[1]).toStdString());
}

QString projectArg(const QCommandLineParser &p, const char *usage)
{
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        throw UsageError(QStringLiteral("missing PROJECT; usage: %1").arg(QLatin1String(usage)).toStdString());
    return pos[1];
}

void printImportReport(const data::ImportReport &r, bool json)
{
    if (json) {
        printJson(r.toJson());
    } else {
        out() << r.summary() << "\n";
        out().flush();
    }
    for (const data::ImportProblem &p : r.problems)
        QTextStream(stderr) << "warning: " << p.toString() << "\n";
}

int cmdInit(QCommandLineParser &p, const QStringList &)
{
    const QString folder = projectArg(p, "facelab init PROJECT");
    const bool existed = ProjectStore::exists(folder);
    const ProjectStore st = ProjectStore::open(folder, true);
    if (p.isSet("json"))
        printJson(QJsonObject{{"project", st.folder()}, {"created", !existed}});
    else
        out() << (existed ? "project already exists: " : "created project ") << st.folder() << "\n";
    return 0;
}

int cmdImport(QCommandLineParser &p, const QStringList &)
{
    const char *usage = "facelab import PROJECT (--identities DIR | --pairs FILE [--root DIR]) [--json]";
    const ProjectStore st = ProjectStore::open(projectArg(p, usage));
    jobs::PlainJobContext ctx(!p.isSet("json"));
    data::ImportReport r;
    oneOf(p, {"identities", "pairs"});
    if (p.isSet("identities")) {
        const QString dir = p.value("identities");
        r = jobs::runRecorded(st, jobs::JobKind::Import, {{"identities", dir}}, ctx,
                              [&](jobs::JobContext &c) { return data::importIdentityFolders(st, dir, c); });
    } else if (p.isSet("pairs")) {
        const QString file = p.value("pairs"), root = p.value("root");
        r = jobs::runRecorded(st, jobs::JobKind::Import, {{"pairs", file}, {"root", root}}, ctx,
                              [&](jobs::JobContext &c) { return data::importPairsFile(st, file, root, c); });
    } else {
        throw UsageError(QStringLiteral("say what to import; usage: %1").arg(QLatin1String(usage)).toStdString());
    }
    printImportReport(r, p.isSet("json"));
    return 0;
}

QJsonValue truthJson(const std::optional<bool> &t)
{
    return t ? QJsonValue(*t) : QJsonValue(QJsonValue::Null);
}

int cmdPairs(QCommandLineParser &p, const QStringList &)
{
    const char *usage = "facelab pairs PROJECT (--generate N [--identities K] [--seed S] [--split pair-level|identity-disjoint]"
                        " | --list) [--json]";
    const ProjectStore st = ProjectStore::open(projectArg(p, usage));
    oneOf(p, {"generate", "list"});
    if (p.isSet("generate")) {
        data::PairGenOptions o;
        o.pairs = intOption(p, "generate", 0, 1, 10000000);
        o.identities = intOption(p, "identities", o.identities, 0, 10000000);   // 0 = all
        o.seed = seedOption(p, "seed", o.seed);
        const QString split = p.value("split");
        if (split == QLatin1String("identity-disjoint"))
            o.split = data::SplitMethod::IdentityDisjoint;
        else if (!split.isEmpty() && split != QLatin1String("pair-level"))
            throw UsageError("--split is pair-level or identity-disjoint");
        const QJsonObject params{{"pairs", o.pairs}, {"identities", o.identities}, {"seed", QString::number(o.seed)},
                                 {"split", data::splitMethodName(o.split)}};
        jobs::PlainJobContext ctx;
        const data::PairGenReport r = jobs::runRecorded(st, jobs::JobKind::GeneratePairs, params, ctx,
                                                        [&](jobs::JobContext &) { return data::generatePairs(st, o); });
        if (p.isSet("json")) {
            printJson(r.toJson());
        } else {
            out() << QStringLiteral("generated %1 same + %2 different pairs over %3 identities (%4 split: %5 train, "
                                    "%6 validation, %7 test)\n")
                         .arg(r.same).arg(r.different).arg(r.identitiesUsed).arg(r.splitMethod)
                         .arg(r.train).arg(r.validation).arg(r.test);
            for (const QString &n : r.notes)
                out() << "note: " << n << "\n";
        }
        return 0;
    }
    if (p.isSet("list")) {
        const QVector<store::PairRecord> all = store::PairTable(st).all();
        if (p.isSet("json")) {
            QJsonArray arr;
            for (const store::PairRecord &r : all)
                arr.append(QJsonObject{{"id", r.id},
                                       {"path1", r.a.absPath},
                                       {"path2", r.b.absPath},
                                       {"truth", truthJson(r.truth)},
                                       {"split", r.split},
                                       {"origin", r.origin},
                                       {"verdict", r.verdict ? QJsonValue(store::verdictName(*r.verdict)) : QJsonValue()}});
            printJson(arr);
        } else {
            for (const store::PairRecord &r : all)
                out() << r.id << "\t" << r.a.absPath << "\t" << r.b.absPath << "\t"
                      << (r.truth ? (*r.truth ? "same" : "different") : "?") << "\n";
        }
        return 0;
    }
    throw UsageError(QStringLiteral("say --generate N or --list; usage: %1").arg(QLatin1String(usage)).toStdString());
}

int cmdLabel(QCommandLineParser &p, const QStringList &)
{
    const char *usage = "facelab label PROJECT (--pair ID (--same|--different|--skip) | --undo | --from FILE)";
    const ProjectStore st = ProjectStore::open(projectArg(p, usage));
    store::FeedbackTable fb(st);
    oneOf(p, {"undo", "pair", "from"});
    oneOf(p, {"undo", "same", "different", "skip"});
    oneOf(p, {"from", "same", "different", "skip"});
    if (p.isSet("from")) {
        const data::VerdictFileReport r = data::readVerdictFile(st, p.value("from"));
        if (r.verdicts.isEmpty() && !r.problems.isEmpty())
            throw std::runtime_error(QStringLiteral("%1: no usable line (%2 problems; first: %3)")
                                         .arg(p.value("from")).arg(r.problems.size()).arg(r.problems.first().toString())
                                         .toStdString());
        const int n = data::applyVerdicts(st, r.verdicts);
        if (p.isSet("json")) {
            QJsonArray problems;
            for (const data::ImportProblem &pr : r.problems)
                problems.append(QJsonObject{{"line", pr.line}, {"reason", pr.reason}});
            printJson(QJsonObject{{"file", p.value("from")}, {"recorded", n}, {"lines", r.linesRead},
                                  {"problems", problems}});
        } else {
            out() << "recorded " << n << " verdicts from " << p.value("from") << " in one transaction ("
                  << r.problems.size() << " lines with problems)\n";
        }
        for (const data::ImportProblem &pr : r.problems)
            QTextStream(stderr) << "warning: " << pr.toString() << "\n";
        return 0;
    }
    if (p.isSet("undo")) {
        const qint64 pairId = fb.undoLast();
        if (pairId == 0)
            throw std::runtime_error("nothing to undo: no active verdict in this project");
        if (p.isSet("json"))
            printJson(QJsonObject{{"undone_pair", pairId}});
        else
            out() << "undid the last verdict (pair " << pairId << ")\n";
        return 0;
    }
    if (!p.isSet("pair"))
        throw UsageError(QStringLiteral("--pair ID is required; usage: %1").arg(QLatin1String(usage)).toStdString());
    const qint64 pairId = int64Option(p, "pair", 0, 1, std::numeric_limits<qint64>::max());
    const int chosen = int(p.isSet("same")) + int(p.isSet("different")) + int(p.isSet("skip"));
    if (chosen != 1)
        throw UsageError("give exactly one of --same, --different, --skip");
    store::PairTable(st).pair(pairId);   // throws "no pair N" for an unknown id
    const store::Verdict v = p.isSet("same") ? store::Verdict::Same
                             : p.isSet("different") ? store::Verdict::Different
                                                    : store::Verdict::Skip;
    const qint64 id = fb.add(pairId, v);
    if (p.isSet("json"))
        printJson(QJsonObject{{"pair", pairId}, {"verdict", store::verdictName(v)}, {"verdict_id", id}});
    else
        out() << "pair " << pairId << ": " << store::verdictName(v) << " (verdict " << id << ")\n";
    return 0;
}

int cmdStats(QCommandLineParser &p, const QStringList &)
{
    const ProjectStore st = ProjectStore::open(projectArg(p, "facelab stats PROJECT [--json]"));
    const store::ProjectStats s = st.stats();
    const QJsonObject o{{"images", s.images},       {"identities", s.identities}, {"pairs", s.pairs},
                        {"labelled", s.labelled},   {"same", s.same},             {"different", s.different},
                        {"skipped", s.skipped},     {"pairs_with_truth", s.pairsWithTruth},
                        {"remaining", s.pairs - s.labelled}};
    if (p.isSet("json")) {
        printJson(o);
    } else {
        for (auto it = o.begin(); it != o.end(); ++it)
            out() << it.key() << ": " << it.value().toInteger() << "\n";
    }
    return 0;
}

int cmdFaces(QCommandLineParser &p, const QStringList &)
{
    const ProjectStore st = ProjectStore::open(projectArg(p, "facelab faces PROJECT [--json]"));
    jobs::PlainJobContext ctx(!p.isSet("json"));
    const data::FaceIndexReport r =
        jobs::runRecorded(st, jobs::JobKind::Faces, {}, ctx, [&](jobs::JobContext &c) { return data::indexFaces(st, c); });
    if (p.isSet("json")) {
        printJson(r.toJson());
    } else {
        out() << QStringLiteral("%1 images looked at: %2 with a face (%3 of them with several), %4 pre-aligned crops, "
                                "%5 without a face, %6 unreadable\n")
                     .arg(r.processed).arg(r.found).arg(r.multiFace).arg(r.preAligned).arg(r.none).arg(r.unreadable);
    }
    for (const data::ImportProblem &pr : r.problems)
        QTextStream(stderr) << "warning: " << pr.toString() << "\n";
    return 0;
}

#ifdef FACELAB_WITH_TORCH
QJsonObject versionJson(const ProjectStore &st, const store::ModelVersionRecord &v, qint64 currentId)
{
    // A version imported below a complete load (forced) says so wherever it is listed.
    bool partial = false;
    if (v.parentId == 0 && v.createdByRun > 0) {
        try {
            const store::RunRecord run = store::RunTable(st).run(v.createdByRun);
            partial = QJsonDocument::fromJson(run.paramsJson.toUtf8()).object().value("partial").toBool();
        } catch (const std::exception &) {
        }
    }
    return QJsonObject{{"id", v.id},
                       {"partial", partial},
                       {"name", v.name},
                       {"model", v.modelName},
                       {"family", v.family},
                       {"parent", v.parentName.isEmpty() ? QJsonValue() : QJsonValue(v.parentName)},
                       {"file", v.file},
                       {"created", v.createdAt},
                       {"threshold", v.threshold ? QJsonValue(*v.threshold) : QJsonValue()},
                       {"preprocessing", QJsonDocument::fromJson(v.preprocessingJson.toUtf8()).object()},
                       {"current", v.id == currentId}};
}

store::ModelVersionRecord versionNamed(const ProjectStore &st, const QString &name)
{
    store::ModelTable models(st);
    if (name.isEmpty()) {
        if (auto v = models.current())
            return *v;
        throw std::runtime_error("the project has no model yet: add one with 'facelab model PROJECT --add FILE' "
                                 "(or run 'facelab embed PROJECT' to use the default model)");
    }
    if (auto v = models.versionByName(name))
        return *v;
    QStringList names;
    for (const auto &v : models.versions())
        names << v.name;
    throw std::runtime_error(QStringLiteral("no model version named '%1' (the project has: %2)")
                                 .arg(name, names.isEmpty() ? QStringLiteral("none") : names.join(", ")).toStdString());
}

// Reads a torch.save file with the restricted unpickler (nothing in it runs) and says what it holds.
int cmdCheckpoint(QCommandLineParser &p, const QStringList &)
{
    const QString file = projectArg(p, "facelab checkpoint FILE [--json]");
    const QJsonObject o =
        QJsonDocument::fromJson(QByteArray::fromStdString(nn::inspectCheckpointJson(file.toStdString()))).object();
    if (p.isSet("json")) {
        printJson(o);
        return 0;
    }
    out() << file << ": torch.save (" << o.value("format").toString() << "), " << o.value("tensors").toInt()
          << " tensors\n";
    for (const QJsonValue &t : o.value("tree").toArray()) {
        const QJsonObject e = t.toObject();
        QStringList dims;
        for (const QJsonValue &d : e.value("shape").toArray())
            dims << QString::number(d.toInteger());
        out() << "  " << e.value("path").toString() << "  [" << dims.join(", ") << "] " << e.value("dtype").toString() << "\n";
    }
    if (!o.value("family").isNull()) {
        const QJsonObject r = o.value("report").toObject();
        out() << "family: " << o.value("family").toString() << " (" << r.value("architecture").toString() << ", "
              << r.value("why").toString() << ")\n";
    } else if (o.value("closest").isObject()) {
        const QJsonObject c = o.value("closest").toObject();
        out() << "no known family matches; closest: " << c.value("family").toString() << " ("
              << c.value("architecture").toString() << "): " << c.value("why").toString() << "\n";
    } else {
        out() << "no known family matches\n";
    }
    return 0;
}

int cmdModel(QCommandLineParser &p, const QStringList &)
{
    const char *usage = "facelab model PROJECT (--add FILE [--family F] [--allow-partial] [--name NAME] [--preprocessing P] "
                        "| --list | --export NAME --out FILE(.onnx|.pth) | --use NAME | --threshold T [--name NAME]) [--json]";
    const ProjectStore st = ProjectStore::open(projectArg(p, usage));
    store::ModelTable models(st);
    jobs::PlainJobContext ctx(!p.isSet("json"));
    oneOf(p, {"add", "list", "export", "use", "threshold"});
    if (p.isSet("add")) {
        // The run's params become the import report once the file has been read.
        const embedding::ModelImportResult r =
            jobs::runRecorded(st, jobs::JobKind::ModelImport, {{"file", p.value("add")}}, ctx, [&](jobs::JobContext &c) {
                return embedding::importModel(st, p.value("add"), p.value("name"), p.value("preprocessing"), c,
                                              p.value("family"), p.isSet("allow-partial"));
            });
        if (p.isSet("json")) {
            QJsonObject o = r.report;
            o.insert("name", r.name);
            o.insert("version_id", r.versionId);
            printJson(o);
        } else {
            const QJsonObject check = r.report.value("cross_check").toObject();
            out() << "imported model " << r.name << " (" << r.report.value("family").toString() << ", "
                  << r.report.value("architecture").toString() << "): " << r.report.value("tensors").toString() << ", "
                  << r.report.value("parameters").toInteger() << " parameters";
            if (check.value("max_abs_diff").isDouble())
                out() << ", max |FaceLab - " << check.value("runtime").toString()
                      << "| = " << check.value("max_abs_diff").toDouble();
            else
                out() << ", no cross-check (" << check.value("note").toString() << ")";
            if (r.report.value("partial").toBool())
                out() << "; PARTIAL load, imported because --allow-partial was given";
            if (r.report.value("lineage").isObject()) {
                const QJsonObject l = r.report.value("lineage").toObject();
                out() << "; exported by FaceLab as " << l.value("version").toString();
                if (!l.value("parent").isNull())
                    out() << " (a child of " << l.value("parent").toString() << ")";
            }
            if (r.report.value("threshold").isDouble())
                out() << "; threshold " << r.report.value("threshold").toDouble() << " restored";
            out() << "\n";
        }
        return 0;
    }
    if (p.isSet("list")) {
        const auto current = models.current();
        QJsonArray arr;
        for (const auto &v : models.versions())
            arr.append(versionJson(st, v, current ? current->id : 0));
        if (p.isSet("json")) {
            printJson(arr);
        } else {
            for (const QJsonValue &j : arr) {
                const QJsonObject v = j.toObject();
                out() << (v.value("current").toBool() ? "* " : "  ") << v.value("name").toString()
                      << (v.value("partial").toBool() ? " (PARTIAL)" : "") << "\t" << v.value("family").toString() << "\t"
                      << (v.value("parent").isNull() ? QStringLiteral("(imported)") : QStringLiteral("from ") + v.value("parent").toString())
                      << "\t" << v.value("file").toString() << "\t" << v.value("created").toString() << "\n";
            }
        }
        return 0;
    }
    if (p.isSet("export")) {
        if (!p.isSet("out"))
            throw UsageError("--export NAME needs --out FILE.onnx");
        const store::ModelVersionRecord v = versionNamed(st, p.value("export"));
        const nn::CrossCheck c = embedding::exportVersion(st, v, p.value("out"));
        if (p.isSet("json")) {
            printJson(QJsonObject{{"version", v.name}, {"out", p.value("out")},
                                  {"cross_check", QJsonObject{{"runtime", QString::fromStdString(c.runtime)},
                                                              {"max_abs_diff", c.ran() ? QJsonValue(c.maxAbsDiff) : QJsonValue()},
                                                              {"agrees", c.agrees()},
                                                              {"note", QString::fromStdString(c.note)}}}});
        } else if (c.ran()) {
            out() << "wrote " << p.value("out") << " (" << v.name << "; " << QString::fromStdString(c.runtime)
                  << " reads it, max difference to FaceLab " << c.maxAbsDiff << ")\n";
        } else {
            out() << "wrote " << p.value("out") << " (" << v.name << "; " << QString::fromStdString(c.note) << ")\n";
        }
        return 0;
    }
    if (p.isSet("use")) {
        const store::ModelVersionRecord v = versionNamed(st, p.value("use"));
        models.setCurrent(v.id);
        if (p.isSet("json"))
            printJson(QJsonObject{{"current", v.name}, {"version_id", v.id}});
        else
            out() << "current model: " << v.name << "\n";
        return 0;
    }
    if (p.isSet("threshold")) {
        const double t = doubleOption(p, "threshold", 0, -1, 1);   // a cosine similarity
        const store::ModelVersionRecord v = versionNamed(st, p.value("name"));
        models.setThreshold(v.id, t);
        if (p.isSet("json"))
            printJson(QJsonObject{{"version", v.name}, {"version_id", v.id}, {"threshold", t}});
        else
            out() << v.name << ": threshold " << t << "\n";
        return 0;
    }
    throw UsageError(QStringLiteral("say what to do; usage: %1").arg(QLatin1String(usage)).toStdString());
}

int cmdEmbed(QCommandLineParser &p, const QStringList &)
{
    const ProjectStore st = ProjectStore::open(projectArg(p, "facelab embed PROJECT [--model NAME] [--json]"));
    jobs::PlainJobContext ctx(!p.isSet("json"));
    qint64 versionId = 0;
    if (p.isSet("model"))
        versionId = versionNamed(st, p.value("model")).id;
    else if (auto cur = store::ModelTable(st).current())
        versionId = cur->id;
    else
        versionId = jobs::runRecorded(st, jobs::JobKind::ModelImport, {}, ctx, [&](jobs::JobContext &c) {
            return embedding::ensureDefaultModel(st, c);   // the model fetched by the set-up script
        });
    const embedding::EmbedReport r =
        jobs::runRecorded(st, jobs::JobKind::Embed, {{"model_version", versionId}}, ctx,
                          [&](jobs::JobContext &c) { return embedding::embedProject(st, versionId, c); });
    if (p.isSet("json"))
        printJson(r.toJson());
    else
        out() << QStringLiteral("%1 (%2): %3 faces embedded, %4 cached, %5 pairs scored in %6 s\n")
                     .arg(r.version, r.backend).arg(r.embedded).arg(r.cached).arg(r.pairsScored).arg(r.seconds, 0, 'f', 1);
    for (const auto &pr : r.problems)
        QTextStream(stderr) << "warning: " << pr.toString() << "\n";
    return 0;
}
#endif

int cmdDemo(QCommandLineParser &p, const QStringList &)
{
    jobs::PlainJobContext ctx(true);
    const QString folder = data::ensureDemoProject(ctx);
    if (p.isSet("json"))
        printJson(QJsonObject{{"project", folder}});
    else
        out() << folder << "\n";
    return 0;
}

const QVector<Command> &commands()
{
    static const QVector<Command> cmds = {
        {"init", "Create a project folder.", cmdInit, [](QCommandLineParser &) {}},
        {"import", "Import an identity folder tree or a pairs file (LFW pairs.txt or CSV).", cmdImport,
         [](QCommandLineParser &p) {
             p.addOption({"identities", "Folder with one sub-folder of images per identity.", "DIR"});
             p.addOption({"pairs", "Pairs file: LFW pairs.txt or CSV path1,path2,same.", "FILE"});
             p.addOption({"root", "Folder the pairs file's image paths are relative to.", "DIR"});
         }},
        {"pairs", "Generate or list pairs.", cmdPairs,
         [](QCommandLineParser &p) {
             p.addOption({"generate", "Generate N pairs (half same, half different).", "N"});
             p.addOption({"identities", "Number of identities to draw from (default 10, 0 = all).", "K"});
             p.addOption({"seed", "Random seed (default 1).", "S"});
             p.addOption({"split", "pair-level (default) or identity-disjoint.", "METHOD"});
             p.addOption({"list", "List every pair."});
         }},
        {"label", "Record a verdict for a pair, or undo the last one.", cmdLabel,
         [](QCommandLineParser &p) {
             p.addOption({"pair", "Pair id.", "ID"});
             p.addOption({"same", "Same person."});
             p.addOption({"different", "Different people."});
             p.addOption({"skip", "Skip this pair."});
             p.addOption({"undo", "Undo the last verdict."});
             p.addOption({"from", "Label many pairs in one transaction: lines ID,VERDICT or PATH1,PATH2,VERDICT "
                                  "(same, different or skip); bad lines are reported.", "FILE"});
         }},
        {"stats", "Counts of images, identities, pairs and verdicts.", cmdStats, [](QCommandLineParser &) {}},
        {"faces", "Find, choose and align the face in every image not looked at yet.", cmdFaces, [](QCommandLineParser &) {}},
        {"demo", "Build the demo project if needed and print its folder.", cmdDemo, [](QCommandLineParser &) {}},
        {"eval", "Evaluate a model version's scores: metrics, ROC, k-fold (recorded as a run).", cmdEval,
         evalOptions},
        {"errors", "Write error folders (false positives/negatives) of a model version.", cmdErrors,
         errorsOptions},
        {"queue", "List the next pairs to label under a strategy (default mix); --mine adds hard pairs first.",
         cmdQueue, queueOptions},
#ifdef FACELAB_WITH_TORCH
        {"model", "Add, list, choose or export model versions.", cmdModel,
         [](QCommandLineParser &p) {
             p.addOption({"add", "Import a model file: .onnx, a torch.save checkpoint (.pth .pt .ckpt) or TorchScript.", "FILE"});
             p.addOption({"family", "Model family of --add (detected from the file when not given).", "F"});
             p.addOption({"allow-partial", "Import a checkpoint that loads below complete (marked partial)."});
             p.addOption({"name", "Name of the model (with --add) or version (with --threshold).", "NAME"});
             p.addOption({"preprocessing", "Input convention: frfeature, arcface, magface or JSON.", "P"});
             p.addOption({"list", "List model versions."});
             p.addOption({"export", "Export a version (.onnx, or its family's own format).", "NAME"});
             p.addOption({"out", "Output file for --export; its suffix chooses the format.", "FILE"});
             p.addOption({"use", "Make a version the current one.", "NAME"});
             p.addOption({"threshold", "Set the decision threshold (cosine).", "T"});
         }},
        {"checkpoint", "Show what a torch.save checkpoint holds (nothing in it runs) and which model family it is.",
         cmdCheckpoint, [](QCommandLineParser &) {}},
        {"embed", "Embed every face with a model version (default: the current one) and score the pairs.", cmdEmbed,
         [](QCommandLineParser &p) { p.addOption({"model", "Model version name.", "NAME"}); }},
        {"finetune", "Fine-tune a model version on the verdicts: a new version, compared on the test split.",
         cmdFinetune, finetuneOptions},
        {"linearize", "Train a Linearizer surrogate of a version; sweep its rank; unlearn an identity from it.",
         cmdLinearize, linearizeOptions},
        {"invert", "Invert a version into images of an identity or of the person in an image; a judge scores them.",
         cmdInvert, invertOptions},
#endif
    };
    return cmds;
}

} // namespace

bool isSubcommand(const QStringList &args)
{
    if (args.size() < 2)
        return false;
    for (const Command &c : commands())
        if (args[1] == QLatin1String(c.name))
            return true;
    return args[1] == QLatin1String("help");
}

int runSubcommand(const QStringList &args)
{
    if (args[1] == QLatin1String("help")) {
        out() << "usage: facelab [PROJECT | --demo]            open the GUI\n"
                 "       facelab COMMAND PROJECT [options]    work without a window\n"
                 "       facelab --version                    print the version\n\ncommands:\n";
        for (const Command &c : commands())
            out() << "  " << QString::fromLatin1(c.name).leftJustified(9) << c.help << "\n";
        out() << "\n'facelab COMMAND --help' lists a command's options.\n";
        out().flush();
        return 0;
    }
    for (const Command &c : commands()) {
        if (args[1] != QLatin1String(c.name))
            continue;
        QCommandLineParser p;
        p.setApplicationDescription(QString::fromLatin1(c.help));
        p.addHelpOption();
        p.addOption({"json", "Print the result as JSON (a failure too: {\"error\", \"command\", \"exit_code\"})."});
        c.options(p);
        p.addPositionalArgument(c.name, c.help);
        p.addPositionalArgument("PROJECT", "Project folder.");
        // A failure is one line on stderr; with --json also one object on stdout, so a script
        // that parses stdout always gets JSON.
        auto fail = [&](const QString &message, int code) {
            QTextStream(stderr) << "facelab " << c.name << ": " << message << "\n";
            const bool json = p.isSet("json") || args.contains(QLatin1String("--json"));
            if (json)
                printJson(QJsonObject{{"error", message}, {"command", QLatin1String(c.name)}, {"exit_code", code}});
            return code;
        };
        if (!p.parse(args))
            return fail(p.errorText(), 2);
        if (p.isSet("help")) {
            out() << p.helpText();
            out().flush();
            return 0;
        }
        try {
            // COMMAND PROJECT (checkpoint: COMMAND FILE; demo: COMMAND alone); anything more is a
            // mistake worth naming, never ignored.
            const qsizetype allowed = qstrcmp(c.name, "demo") == 0 ? 1 : 2;
            const QStringList extra = p.positionalArguments().mid(allowed);
            if (!extra.isEmpty())
                throw UsageError(QStringLiteral("unexpected argument%1 '%2'")
                                     .arg(extra.size() > 1 ? QStringLiteral("s") : QString(), extra.join(QStringLiteral("', '")))
                                     .toStdString());
            return c.run(p, args);
        } catch (const UsageError &e) {
            return fail(QString::fromUtf8(e.what()), 2);
        } catch (const std::exception &e) {
            return fail(QString::fromUtf8(e.what()), 1);
        }
    }
    return 2;
}

} // namespace facelab::cli
