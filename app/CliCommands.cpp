#include "CliCommands.h"
#include "CliOutput.h"
#include "EngineHandover.h"
#include "EvalCommands.h"
#include "OptionParsing.h"
#include "QueueCommands.h"
#ifdef FACELAB_ENGINE
#include "ModelCommands.h"
#ifdef FACELAB_WITH_TORCH
#include "InvertCommands.h"
#include "LinearizeCommands.h"
#include "TrainCommands.h"
#endif
#endif

#include "data/IdentityFolderImport.h"
#include "data/PairGenerator.h"
#include "data/PairsFileImport.h"
#include "data/VerdictFile.h"
#include "data/VerificationBin.h"
#include "jobs/RunRecorded.h"
#include "store/FeedbackTable.h"
#include "store/PairTable.h"
#include "store/ProjectStore.h"
#include "store/RunTable.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QCoreApplication>
#include <QTextStream>
#include <cmath>
#include <functional>
#include <limits>

// The commands that load models or OpenCV run in facelab-engine; in the small facelab binary their
// table entries are empty and the command line is handed over whole (EngineHandover.h).
#ifdef FACELAB_ENGINE
#define FACELAB_IN_ENGINE(f) f
#else
#define FACELAB_IN_ENGINE(f) nullptr
#endif

namespace facelab::cli {
namespace {

using store::ProjectStore;

struct Command
{
    const char *name;
    const char *help;
    std::function<int(QCommandLineParser &, const QStringList &)> run;
    std::function<void(QCommandLineParser &)> options;
};

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
    const char *usage = "facelab import PROJECT (--identities DIR | --pairs FILE [--root DIR] | --bin FILE.bin) [--json]";
    const ProjectStore st = ProjectStore::open(projectArg(p, usage));
    jobs::PlainJobContext ctx(!p.isSet("json"));
    data::ImportReport r;
    oneOf(p, {"identities", "pairs", "bin"});
    if (p.isSet("identities")) {
        const QString dir = p.value("identities");
        r = jobs::runRecorded(st, jobs::JobKind::Import, {{"identities", dir}}, ctx,
                              [&](jobs::JobContext &c) { return data::importIdentityFolders(st, dir, c); });
    } else if (p.isSet("pairs")) {
        const QString file = p.value("pairs"), root = p.value("root");
        r = jobs::runRecorded(st, jobs::JobKind::Import, {{"pairs", file}, {"root", root}}, ctx,
                              [&](jobs::JobContext &c) { return data::importPairsFile(st, file, root, c); });
    } else if (p.isSet("bin")) {
        const QString file = p.value("bin");
        r = jobs::runRecorded(st, jobs::JobKind::Import, {{"bin", file}}, ctx,
                              [&](jobs::JobContext &c) { return data::importVerificationBin(st, file, c); });
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

const QVector<Command> &commands()
{
    static const QVector<Command> cmds = {
        {"init", "Create a project folder.", cmdInit, [](QCommandLineParser &) {}},
        {"import", "Import an identity folder tree, a pairs file (LFW pairs.txt or CSV) or a verification .bin.", cmdImport,
         [](QCommandLineParser &p) {
             p.addOption({"identities", "Folder with one sub-folder of images per identity.", "DIR"});
             p.addOption({"pairs", "Pairs file: LFW pairs.txt or CSV path1,path2,same.", "FILE"});
             p.addOption({"root", "Folder the pairs file's image paths are relative to.", "DIR"});
             p.addOption({"bin", "InsightFace verification set (lfw.bin, cfp_fp.bin, agedb_30.bin): its images, "
                                 "pairs and 10 folds.", "FILE"});
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
        {"eval", "Evaluate a model version's scores: metrics, ROC, k-fold (recorded as a run).", cmdEval,
         evalOptions},
        {"errors", "Write error folders (false positives/negatives) of a model version.", cmdErrors,
         errorsOptions},
        {"queue", "List the next pairs to label under a strategy (default mix); --mine adds hard pairs first.",
         cmdQueue, queueOptions},
        {"faces", "Find, choose and align the face in every image not looked at yet.", FACELAB_IN_ENGINE(cmdFaces),
         FACELAB_IN_ENGINE([](QCommandLineParser &) {})},
        {"demo", "Build the demo project if needed and print its folder.", FACELAB_IN_ENGINE(cmdDemo),
         FACELAB_IN_ENGINE([](QCommandLineParser &) {})},
#ifdef FACELAB_WITH_TORCH
        {"model", "Add, list, choose or export model versions.", FACELAB_IN_ENGINE(cmdModel),
         FACELAB_IN_ENGINE(modelOptions)},
        {"checkpoint", "Show what a torch.save checkpoint holds (nothing in it runs) and which model family it is.",
         FACELAB_IN_ENGINE(cmdCheckpoint), FACELAB_IN_ENGINE([](QCommandLineParser &) {})},
        {"embed", "Embed every face with a model version (default: the current one) and score the pairs.",
         FACELAB_IN_ENGINE(cmdEmbed), FACELAB_IN_ENGINE(embedOptions)},
        {"finetune", "Fine-tune a model version on the verdicts: a new version, compared on the test split.",
         FACELAB_IN_ENGINE(cmdFinetune), FACELAB_IN_ENGINE(finetuneOptions)},
        {"linearize", "Train a Linearizer surrogate of a version; sweep its rank; unlearn an identity from it.",
         FACELAB_IN_ENGINE(cmdLinearize), FACELAB_IN_ENGINE(linearizeOptions)},
        {"invert", "Invert a version into images of an identity or of the person in an image; a judge scores them.",
         FACELAB_IN_ENGINE(cmdInvert), FACELAB_IN_ENGINE(invertOptions)},
#endif
    };
    return cmds;
}

} // namespace

void applyDataDirSetting()
{
    if (!qEnvironmentVariableIsEmpty("FACELAB_DATA_DIR"))
        return;
    const QString dir = QSettings().value(QStringLiteral("paths/dataDir")).toString();
    if (!dir.isEmpty())
        qputenv("FACELAB_DATA_DIR", dir.toLocal8Bit());
}

bool isSubcommand(const QStringList &args)
{
    if (args.size() < 2)
        return false;
    for (const Command &c : commands())
        if (args[1] == QLatin1String(c.name))
            return true;
    return args[1] == QLatin1String("help");
}

int answerVersionOrHelp(int argc, char *argv[], const QStringList &args)
{
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--version")) {
            QTextStream(stdout) << "facelab " << FACELAB_VERSION << "\n";
            return 0;
        }
        if (args[i] == QLatin1String("--help") || args[i] == QLatin1String("-h")) {
            QCoreApplication app(argc, argv);
            return runSubcommand({args[0], QStringLiteral("help")});
        }
    }
    return -1;
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
        if (!c.run)
            throw EngineNeeded();
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
