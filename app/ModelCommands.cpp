#include "ModelCommands.h"
#include "CliOutput.h"
#include "QueueCommands.h"

#include "data/DemoProject.h"
#include "data/FaceIndexer.h"
#include "embedding/EmbeddingJob.h"
#include "embedding/ModelExport.h"
#include "embedding/ModelImport.h"
#include "jobs/RunRecorded.h"
#include "nn/families/CheckpointInspection.h"
#include "store/ModelTable.h"
#include "store/ProjectStore.h"
#include "store/RunTable.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace facelab::cli {

using store::ProjectStore;

namespace {

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

} // namespace

void modelOptions(QCommandLineParser &p)
{
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
}

void embedOptions(QCommandLineParser &p)
{
    p.addOption({"model", "Model version name.", "NAME"});
    p.addOption({"mine", "Then mine up to N hard pairs with the new embeddings (as the window does after "
                         "embedding the current version).", "N"});
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
    const int mineCount = intOption(p, "mine", 0, 0, 10000000);
    const embedding::EmbedReport r =
        jobs::runRecorded(st, jobs::JobKind::Embed, {{"model_version", versionId}}, ctx,
                          [&](jobs::JobContext &c) { return embedding::embedProject(st, versionId, c); });
    // Mining depends on the embedding: it runs only once that run has finished.
    std::optional<queue::MiningReport> mined;
    if (mineCount > 0)
        mined = minePairsRecorded(st, *store::ModelTable(st).version(versionId), mineCount);
    if (p.isSet("json")) {
        QJsonObject o = r.toJson();
        if (mined)
            o.insert("mined", mined->toJson());
        printJson(o);
    } else if (mined) {
        out() << QStringLiteral("%1 (%2): %3 faces embedded, %4 cached, %5 pairs scored in %6 s; mined %7 hard negatives "
                                "and %8 hard positives\n")
                     .arg(r.version, r.backend).arg(r.embedded).arg(r.cached).arg(r.pairsScored).arg(r.seconds, 0, 'f', 1)
                     .arg(mined->negativesAdded).arg(mined->positivesAdded);
    } else
        out() << QStringLiteral("%1 (%2): %3 faces embedded, %4 cached, %5 pairs scored in %6 s\n")
                     .arg(r.version, r.backend).arg(r.embedded).arg(r.cached).arg(r.pairsScored).arg(r.seconds, 0, 'f', 1);
    for (const auto &pr : r.problems)
        QTextStream(stderr) << "warning: " << pr.toString() << "\n";
    return 0;
}

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

} // namespace facelab::cli
