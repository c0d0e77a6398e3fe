#include "ui/training/FineTuneDialog.h"

#include "store/ModelTable.h"
#include "ui/Theme.h"
#include "ui/training/FineTuneEngine.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <cmath>
#include <limits>

namespace facelab::ui {

namespace {

const QString kGroup = QStringLiteral("finetune/");

QLabel *muted(const QString &text, QWidget *parent)
{
    auto *l = new QLabel(text, parent);
    l->setProperty("role", QStringLiteral("muted"));
    l->setWordWrap(true);
    return l;
}

} // namespace

FineTuneDialog::FineTuneDialog(const store::ProjectStore &store, QWidget *parent) : QDialog(parent), m_store(store)
{
    setObjectName(QStringLiteral("fineTuneDialog"));
    setWindowTitle(tr("Fine-tune on your verdicts"));
    setMinimumWidth(620);
    auto *root = new QVBoxLayout(this);
    root->setSpacing(10);
    root->addWidget(muted(tr("Trains a copy of a model version on your same/different verdicts in the background, keeps "
                             "the epoch with the best validation AUC on people it did not train on as a new version, and "
                             "says whether it is better than its parent. You can go on labelling meanwhile."),
                          this));

    auto *model = new QGroupBox(tr("Model"), this);
    auto *mf = new QFormLayout(model);
    m_version = new QComboBox(model);
    m_version->setObjectName(QStringLiteral("ftVersion"));
    std::optional<store::ModelVersionRecord> current;
    try {
        const store::ModelTable models(m_store);
        current = models.current();
        for (const auto &v : models.versions())
            m_version->addItem(current && current->id == v.id ? tr("%1 (current)").arg(v.name) : v.name, v.name);
    } catch (const std::exception &) {
    }
    if (current)
        m_version->setCurrentIndex(m_version->findData(current->name));
    m_makeCurrent = new QCheckBox(tr("Make the new version current if it is better"), model);
    m_makeCurrent->setObjectName(QStringLiteral("ftMakeCurrent"));
    m_makeCurrent->setToolTip(tr("Only when its verdict is \"better\" (on people never trained on, without "
                                 "forgetting); Annotate then scores and orders the pairs with the new version"));
    mf->addRow(tr("Start from"), m_version);
    mf->addRow(QString(), m_makeCurrent);
    root->addWidget(model);

    auto *train = new QGroupBox(tr("Training"), this);
    // One grid (label, field, label, field): both columns share row heights.
    auto *grid = new QGridLayout(train);
    grid->setHorizontalSpacing(10);
    grid->setVerticalSpacing(8);
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(3, 1);
    grid->setColumnMinimumWidth(2, 120);
    auto place = [grid, train](int row, int col, const QString &name, QWidget *field) {
        if (!name.isEmpty())
            grid->addWidget(new QLabel(name, train), row, col);
        grid->addWidget(field, row, col + 1);
    };
    m_epochs = new QSpinBox(train);
    m_epochs->setObjectName(QStringLiteral("ftEpochs"));
    m_epochs->setRange(1, 500);
    m_batch = new QSpinBox(train);
    m_batch->setObjectName(QStringLiteral("ftBatch"));
    m_batch->setRange(2, 1024);
    m_batch->setSuffix(tr(" pairs"));
    m_batch->setToolTip(tr("Pairs per optimiser step (twice as many faces per forward pass)"));
    m_lr = new QDoubleSpinBox(train);
    m_lr->setObjectName(QStringLiteral("ftLearningRate"));
    m_lr->setDecimals(6);
    m_lr->setRange(0.000001, 0.1);
    m_lr->setSingleStep(0.00001);
    m_lr->setToolTip(tr("Adam's learning rate; 0.0001 suits fine-tuning on a few hundred pairs"));
    m_margin = new QDoubleSpinBox(train);
    m_margin->setObjectName(QStringLiteral("ftMargin"));
    m_margin->setRange(0.05, 2.0);
    m_margin->setSingleStep(0.05);
    m_margin->setToolTip(tr("Different pairs closer than this distance between unit vectors (0–2) are pushed apart"));
    m_freeze = new QComboBox(train);
    m_freeze->setObjectName(QStringLiteral("ftFreeze"));
    m_freeze->addItem(tr("None"), QStringLiteral("none"));
    m_freeze->addItem(tr("Stem"), QStringLiteral("stem"));
    m_freeze->addItem(tr("Early half"), QStringLiteral("early"));
    m_freeze->addItem(tr("All but head"), QStringLiteral("backbone"));
    m_freeze->setToolTip(tr("Blocks of the network that stay fixed, input to output. None: all train; Stem: the first "
                            "block; Early half: the first half of the blocks; All but head: only the embedding head "
                            "trains. Blocks are the stem, each residual or depthwise block and the head (an ONNX "
                            "graph: each weight tensor)"));
    m_patience = new QSpinBox(train);
    m_patience->setObjectName(QStringLiteral("ftPatience"));
    m_patience->setRange(0, 100);
    m_patience->setSpecialValueText(tr("off"));
    m_patience->setSuffix(tr(" epochs"));
    m_patience->setToolTip(tr("Stop after this many epochs without a better validation AUC"));
    m_loss = new QComboBox(train);
    m_loss->setObjectName(QStringLiteral("ftLoss"));
    m_loss->addItem(tr("Verdict groups (multi-similarity)"), QStringLiteral("groups"));
    m_loss->addItem(tr("Pairwise contrastive (seed)"), QStringLiteral("pairwise"));
    m_loss->setToolTip(tr("Groups: \"same\" verdicts join faces into groups, \"different\" verdicts link groups, and "
                          "every known relation in a batch is trained on; pairwise: each labelled pair alone"));
    m_distill = new QDoubleSpinBox(train);
    m_distill->setObjectName(QStringLiteral("ftDistill"));
    m_distill->setRange(0, 100);
    m_distill->setSingleStep(0.5);
    m_distill->setSpecialValueText(tr("off"));
    m_distill->setToolTip(tr("Holds the embeddings of unlabelled faces near the parent's, so the model keeps what it knew"));
    m_seed = new QSpinBox(train);
    m_seed->setObjectName(QStringLiteral("ftSeed"));
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_seed->setToolTip(tr("Shuffling, augmentation and the validation hold-out: same seed and data, same result on the CPU"));
    m_flip = new QCheckBox(tr("Flip augmentation"), train);
    m_flip->setObjectName(QStringLiteral("ftFlip"));
    m_flip->setToolTip(tr("Each face of a training pair is mirrored with probability 1/2"));
    m_trainBn = new QCheckBox(tr("Train BatchNorm"), train);
    m_trainBn->setObjectName(QStringLiteral("ftTrainBatchNorm"));
    m_trainBn->setToolTip(tr("Off: BatchNorm keeps its stored statistics (right for a few hundred pairs)"));
    m_workers = new QSpinBox(train);
    m_workers->setObjectName(QStringLiteral("ftWorkers"));
    m_workers->setRange(1, 64);
    m_workers->setToolTip(tr("Data-parallel training on this many local processes (PyTorch's c10d, Gloo on the CPU): "
                             "each takes its share of every batch, so the result is the same as with one. Worth it "
                             "where one process leaves cores idle; on few cores it only adds overhead."));
    place(0, 0, tr("Epochs"), m_epochs);
    place(1, 0, tr("Batch"), m_batch);
    place(2, 0, tr("Learning rate"), m_lr);
    place(3, 0, tr("Margin"), m_margin);
    place(4, 0, QString(), m_flip);
    place(0, 2, tr("Freeze"), m_freeze);
    place(1, 2, tr("Early stopping"), m_patience);
    place(2, 2, tr("Seed"), m_seed);
    place(3, 2, tr("Keep (distillation)"), m_distill);
    place(4, 2, QString(), m_trainBn);
    grid->addWidget(new QLabel(tr("Loss"), train), 5, 0);
    grid->addWidget(m_loss, 5, 1, 1, 3);   // the whole row: its names are long
    place(6, 0, tr("Processes"), m_workers);
    root->addWidget(train);

    auto *data = new QGroupBox(tr("Data"), this);
    auto *dv = new QVBoxLayout(data);
    m_includeTest = new QCheckBox(tr("Train on test-split verdicts too"), data);
    m_includeTest->setObjectName(QStringLiteral("ftIncludeTest"));
    m_testWarning = new QLabel(tr("⚠ The test split is held out so that the before/after comparison means something. "
                                  "Training on it makes that comparison measure memorisation, not improvement."),
                               data);
    m_testWarning->setObjectName(QStringLiteral("ftTestWarning"));
    m_testWarning->setWordWrap(true);
    m_testWarning->setStyleSheet(QStringLiteral("color: %1").arg(theme::warning().name()));
    m_data = new QLabel(data);
    m_data->setObjectName(QStringLiteral("ftData"));
    m_data->setWordWrap(true);
    m_data->setTextFormat(Qt::RichText);
    m_notes = new QLabel(data);
    m_notes->setObjectName(QStringLiteral("ftNotes"));
    m_notes->setWordWrap(true);
    m_notes->setStyleSheet(QStringLiteral("color: %1").arg(theme::warning().name()));
    m_notes->setTextFormat(Qt::RichText);
    dv->addWidget(m_data);
    dv->addWidget(m_notes);
    // Forgetting is measured on a project of the parent's own domain (e.g. clean faces), if given.
    auto *refRow = new QHBoxLayout;
    m_reference = new QLineEdit(data);
    m_reference->setObjectName(QStringLiteral("ftReference"));
    m_reference->setPlaceholderText(tr("optional: a project of the parent's own domain, to measure forgetting"));
    m_reference->setClearButtonEnabled(true);
    m_reference->setToolTip(tr("A FaceLab project with pairs of known truth and faces made (e.g. clean faces): parent "
                               "and child are both scored there, and a child that forgets more than 0.5 point of "
                               "accuracy is not called better"));
    auto *browse = new QPushButton(tr("Browse…"), data);
    browse->setObjectName(QStringLiteral("ftReferenceBrowse"));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Reference project"), m_reference->text());
        if (!dir.isEmpty())
            m_reference->setText(dir);
    });
    refRow->addWidget(new QLabel(tr("Forgetting on"), data));
    refRow->addWidget(m_reference, 1);
    refRow->addWidget(browse);
    dv->addLayout(refRow);
    m_referenceNote = new QLabel(data);
    m_referenceNote->setObjectName(QStringLiteral("ftReferenceNote"));
    m_referenceNote->setWordWrap(true);
    m_referenceNote->setStyleSheet(QStringLiteral("color: %1").arg(theme::warning().name()));
    dv->addWidget(m_referenceNote);
    connect(m_reference, &QLineEdit::textChanged, this, &FineTuneDialog::checkReference);
    dv->addWidget(m_includeTest);
    dv->addWidget(m_testWarning);
    root->addWidget(data);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults,
                                     this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Start fine-tuning"));
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("ftStart"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &FineTuneDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
            &FineTuneDialog::restoreDefaults);
    root->addWidget(m_buttons);

    load();
    connect(m_includeTest, &QCheckBox::toggled, this, [this](bool on) {
        m_testWarning->setVisible(on);
        recount();
    });
    connect(m_seed, &QSpinBox::valueChanged, this, &FineTuneDialog::recount);
    connect(&m_watcher, &QFutureWatcher<SnapshotPreview>::finished, this, &FineTuneDialog::showPreview);
    m_testWarning->setVisible(m_includeTest->isChecked());
    checkReference();
    recount();
}

FineTuneDialog::~FineTuneDialog()
{
    m_watcher.disconnect(this);
    m_watcher.waitForFinished();
}

void FineTuneDialog::load()
{
    const finetune::FineTuneRequest d;
    QSettings s;
    m_epochs->setValue(s.value(kGroup + QStringLiteral("epochs"), d.training.epochs).toInt());
    m_batch->setValue(s.value(kGroup + QStringLiteral("batch"), d.training.batchPairs).toInt());
    m_lr->setValue(s.value(kGroup + QStringLiteral("lr"), d.training.learningRate).toDouble());
    m_margin->setValue(s.value(kGroup + QStringLiteral("margin"), d.training.margin).toDouble());
    m_flip->setChecked(s.value(kGroup + QStringLiteral("flip"), d.training.flipAugment).toBool());
    m_trainBn->setChecked(s.value(kGroup + QStringLiteral("trainBatchNorm"), d.training.trainBatchNorm).toBool());
    m_freeze->setCurrentIndex(std::max(0, m_freeze->findData(s.value(kGroup + QStringLiteral("freezePreset"), QStringLiteral("none")))));
    m_reference->setText(s.value(referenceKey()).toString());
    m_patience->setValue(s.value(kGroup + QStringLiteral("patience"), d.training.patience).toInt());
    const int loss = m_loss->findData(s.value(kGroup + QStringLiteral("loss"), QString::fromLatin1(train::lossKindName(d.training.loss))));
    m_loss->setCurrentIndex(std::max(0, loss));
    m_distill->setValue(s.value(kGroup + QStringLiteral("distill"), d.training.distillWeight).toDouble());
    m_seed->setValue(s.value(kGroup + QStringLiteral("seed"), qulonglong(d.training.seed)).toInt());
    m_includeTest->setChecked(s.value(kGroup + QStringLiteral("includeTest"), d.snapshot.includeTestSplit).toBool());
    m_makeCurrent->setChecked(s.value(kGroup + QStringLiteral("makeCurrent"), d.makeCurrent).toBool());
    m_workers->setValue(s.value(kGroup + QStringLiteral("workers"), d.parallel.workers).toInt());
}

void FineTuneDialog::save() const
{
    const finetune::FineTuneRequest r = request();
    QSettings s;
    s.setValue(kGroup + QStringLiteral("epochs"), r.training.epochs);
    s.setValue(kGroup + QStringLiteral("batch"), r.training.batchPairs);
    s.setValue(kGroup + QStringLiteral("lr"), r.training.learningRate);
    s.setValue(kGroup + QStringLiteral("margin"), r.training.margin);
    s.setValue(kGroup + QStringLiteral("flip"), r.training.flipAugment);
    s.setValue(kGroup + QStringLiteral("trainBatchNorm"), r.training.trainBatchNorm);
    s.setValue(kGroup + QStringLiteral("freezePreset"), m_freeze->currentData().toString());
    s.setValue(referenceKey(), r.referenceProject);
    s.setValue(kGroup + QStringLiteral("patience"), r.training.patience);
    s.setValue(kGroup + QStringLiteral("loss"), QString::fromLatin1(train::lossKindName(r.training.loss)));
    s.setValue(kGroup + QStringLiteral("distill"), r.training.distillWeight);
    s.setValue(kGroup + QStringLiteral("seed"), qulonglong(r.training.seed));
    s.setValue(kGroup + QStringLiteral("includeTest"), r.snapshot.includeTestSplit);
    s.setValue(kGroup + QStringLiteral("makeCurrent"), r.makeCurrent);
    s.setValue(kGroup + QStringLiteral("workers"), r.parallel.workers);
}

QString FineTuneDialog::referenceKey() const
{
    // The reference belongs to this project: remembered per project folder.
    QString folder = m_store.folder();
    folder.replace(QLatin1Char('/'), QLatin1Char('|'));
    return kGroup + QStringLiteral("reference-") + folder;
}

void FineTuneDialog::checkReference()
{
    const QString dir = m_reference->text().trimmed();
    QString problem;
    if (!dir.isEmpty() && !store::ProjectStore::exists(dir))
        problem = tr("⚠ %1 is not a FaceLab project: forgetting cannot be measured there.").arg(dir);
    else if (!dir.isEmpty() && QFileInfo(dir).canonicalFilePath() == QFileInfo(m_store.folder()).canonicalFilePath())
        problem = tr("⚠ This is the project being trained: choose a project of the parent's own domain.");
    m_referenceNote->setText(problem);
    m_referenceNote->setVisible(!problem.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

void FineTuneDialog::restoreDefaults()
{
    QSettings s;
    s.remove(QStringLiteral("finetune"));
    load();
}

finetune::FineTuneRequest FineTuneDialog::request() const
{
    finetune::FineTuneRequest r;
    r.model = m_version->currentData().toString();
    r.training.epochs = m_epochs->value();
    r.training.batchPairs = m_batch->value();
    r.training.learningRate = m_lr->value();
    r.training.margin = m_margin->value();
    r.training.flipAugment = m_flip->isChecked();
    r.training.trainBatchNorm = m_trainBn->isChecked();
    if (!train::freezePresetFromName(m_freeze->currentData().toString().toStdString(), r.training.freeze))
        r.training.freeze = train::FreezePreset::Fraction;   // "none": a fraction of 0
    r.training.freezeFraction = 0;
    r.referenceProject = m_reference->text().trimmed();
    r.training.patience = m_patience->value();
    train::lossKindFromName(m_loss->currentData().toString().toStdString(), r.training.loss);
    r.training.distillWeight = m_distill->value();
    r.training.seed = std::uint64_t(m_seed->value());
    r.snapshot.seed = r.training.seed;
    r.snapshot.includeTestSplit = m_includeTest->isChecked();
    r.makeCurrent = m_makeCurrent->isChecked();
    r.parallel.workers = m_workers->value();
    return r;
}

void FineTuneDialog::setStartVersion(const QString &name)
{
    const int i = m_version->findData(name);
    if (i >= 0)
        m_version->setCurrentIndex(i);
}

void FineTuneDialog::accept()
{
    save();
    QDialog::accept();
}

void FineTuneDialog::fitHeight()
{
    // Wrapped labels report a one-line size hint; fixing their height for the current width lets
    // the dialog grow to them instead of squeezing the fields above.
    for (QLabel *l : {m_data, m_notes})
        l->setMinimumHeight(l->isHidden() ? 0 : l->heightForWidth(std::max(l->width(), 560)));
    layout()->invalidate();
    layout()->activate();
    resize(width(), std::max(height(), sizeHint().height()));
}

void FineTuneDialog::recount()
{
    if (m_watcher.isRunning()) {
        m_recountPending = true;
        return;
    }
    m_recountPending = false;
    m_counting = true;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    m_data->setText(tr("Counting the verdicts this run would use…"));
    m_notes->clear();
    const store::ProjectStore st = m_store;
    const finetune::SnapshotOptions options = request().snapshot;
    m_watcher.setFuture(QtConcurrent::run([st, options] {
        SnapshotPreview p;
        try {
            p.snapshot = finetuning::snapshot(st, options);
            p.ok = true;
        } catch (const std::exception &e) {
            p.error = QString::fromUtf8(e.what());
        }
        return p;
    }));
}

void FineTuneDialog::showPreview()
{
    m_preview = m_watcher.result();
    if (m_recountPending) {
        recount();
        return;
    }
    m_counting = false;
    QPushButton *start = m_buttons->button(QDialogButtonBox::Ok);
    start->setEnabled(m_preview.ok && finetuning::available() && m_version->count() > 0);
    if (!m_preview.ok) {
        m_data->setText(tr("<span style=\"color:%1\"><b>Cannot fine-tune yet:</b> %2</span>")
                            .arg(theme::different().name(), m_preview.error.toHtmlEscaped()));
        return;
    }
    const finetune::FeedbackSnapshot &s = m_preview.snapshot;
    // The notes say what was held out (test split) or left out, and why.
    m_data->setText(tr("This run will use <b>%1</b> of your %2 verdicts: <b>%3</b> training pairs and <b>%4</b> "
                       "validation pairs (%5). Verdicts you give after it starts are kept for the next run.")
                        .arg(QLocale().toString(qint64(s.train.size() + s.validation.size())),
                             QLocale().toString(s.verdicts), QLocale().toString(qint64(s.train.size())),
                             QLocale().toString(qint64(s.validation.size())), s.validationSource.toHtmlEscaped()));
    QStringList notes;
    for (const QString &n : s.notes)
        notes << QStringLiteral("⚠ ") + n.toHtmlEscaped();
    m_notes->setText(notes.join(QStringLiteral("<br>")));
    m_notes->setVisible(!notes.isEmpty());
    fitHeight();
}

} // namespace facelab::ui
