#include "ui/errors/ErrorsView.h"

#include "data/ImageCache.h"
#include "eval/EvalError.h"
#include "store/FeedbackTable.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "ui/Theme.h"
#include "ui/annotate/FaceView.h"

#include <QDesktopServices>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QUrl>
#include <QVBoxLayout>

namespace facelab::ui {

namespace {

constexpr int kRowRole = Qt::UserRole;   // index into m_rows; -1 on group headings

QString truthWord(bool same)
{
    return same ? ErrorsView::tr("same") : ErrorsView::tr("different");
}

store::Verdict verdictFor(bool same)
{
    return same ? store::Verdict::Same : store::Verdict::Different;
}

QLabel *makeLabel(QWidget *parent, const QString &objectName, const QString &role = {})
{
    auto *l = new QLabel(parent);
    l->setObjectName(objectName);
    if (!role.isEmpty())
        l->setProperty("role", role);
    l->setAlignment(Qt::AlignCenter);
    l->setWordWrap(true);
    return l;
}

} // namespace

ErrorsView::ErrorsView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("errorsView"));
    m_cache = new data::ImageCache(data::ImageCache::kDefaultBudget, this);
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(20, 16, 20, 12);
    v->setSpacing(10);
    auto *head = new QHBoxLayout;
    m_title = new QLabel(tr("Errors"), this);
    m_title->setObjectName(QStringLiteral("errorsTitle"));
    m_title->setProperty("role", QStringLiteral("title"));
    m_openExport = new QPushButton(tr("Open exported folder…"), this);
    m_openExport->setObjectName(QStringLiteral("errorsOpenExport"));
    m_openExport->setToolTip(tr("Browse a folder written by Export error folders… or 'facelab errors'"));
    m_back = new QPushButton(tr("Back to Evaluate"), this);
    m_back->setObjectName(QStringLiteral("errorsBack"));
    head->addWidget(m_title, 1);
    head->addWidget(m_openExport);
    head->addWidget(m_back);
    v->addLayout(head);
    m_hint = makeLabel(this, QStringLiteral("errorsHint"), QStringLiteral("muted"));
    m_hint->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_hint->setTextInteractionFlags(Qt::TextSelectableByMouse);
    v->addWidget(m_hint);
    m_error = makeLabel(this, QStringLiteral("errorsFolderError"));
    m_error->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: %1; }").arg(theme::different().name()));
    m_error->hide();
    v->addWidget(m_error);
    m_emptyAction = new QPushButton(this);
    m_emptyAction->setObjectName(QStringLiteral("errorsEmptyAction"));
    m_emptyAction->setProperty("primary", true);
    m_emptyAction->hide();
    auto *emptyRow = new QHBoxLayout;
    emptyRow->addWidget(m_emptyAction);
    emptyRow->addStretch(1);
    v->addLayout(emptyRow);
    connect(m_emptyAction, &QPushButton::clicked, this, [this] {
        if (m_emptyActionFn)
            m_emptyActionFn();
    });

    auto *body = new QHBoxLayout;
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("errorsList"));
    m_tree->setHeaderHidden(true);
    m_tree->setFixedWidth(320);
    m_tree->setUniformRowHeights(true);
    body->addWidget(m_tree);
    auto *detail = new QVBoxLayout;
    auto *faces = new QHBoxLayout;
    m_faceA = new FaceView(m_cache, this);
    m_faceB = new FaceView(m_cache, this);
    m_faceA->setMinimumSize(240, 260);
    m_faceB->setMinimumSize(240, 260);
    faces->addWidget(m_faceA, 1);
    faces->addWidget(m_faceB, 1);
    detail->addLayout(faces, 1);
    m_names = makeLabel(this, QStringLiteral("errorsNames"), QStringLiteral("muted"));
    m_score = makeLabel(this, QStringLiteral("errorsScore"), QStringLiteral("subtitle"));
    m_truth = makeLabel(this, QStringLiteral("errorsTruth"));
    detail->addWidget(m_names);
    detail->addWidget(m_score);
    detail->addWidget(m_truth);
    m_info = new QPlainTextEdit(this);
    m_info->setObjectName(QStringLiteral("errorsInfo"));
    m_info->setReadOnly(true);
    m_info->setMaximumHeight(150);
    m_info->hide();
    detail->addWidget(m_info);
    auto *actions = new QHBoxLayout;
    m_truthWrong = new QPushButton(tr("Truth is wrong"), this);
    m_truthWrong->setObjectName(QStringLiteral("truthWrongButton"));
    m_feedback = new QPushButton(tr("Add to training feedback"), this);
    m_feedback->setObjectName(QStringLiteral("addFeedbackButton"));
    m_openFolder = new QPushButton(tr("Open folder"), this);
    m_openFolder->setObjectName(QStringLiteral("openPairFolderButton"));
    actions->addStretch(1);
    actions->addWidget(m_truthWrong);
    actions->addWidget(m_feedback);
    actions->addWidget(m_openFolder);
    actions->addStretch(1);
    detail->addLayout(actions);
    body->addLayout(detail, 1);
    v->addLayout(body, 1);

    m_confirm = [this](const QString &warning) {
        return QMessageBox::question(this, tr("Test-split pair"), warning, QMessageBox::Yes | QMessageBox::No,
                                     QMessageBox::No) == QMessageBox::Yes;
    };
    connect(m_tree, &QTreeWidget::currentItemChanged, this, [this] { showSelected(); });
    connect(m_truthWrong, &QPushButton::clicked, this, [this] { markTruthWrong(); });
    connect(m_feedback, &QPushButton::clicked, this, &ErrorsView::onFeedbackClicked);
    connect(m_openFolder, &QPushButton::clicked, this, [this] {
        for (const QString &dir : foldersToOpen())
            QDesktopServices::openUrl(QUrl::fromLocalFile(dir));
    });
    connect(m_openExport, &QPushButton::clicked, this, &ErrorsView::chooseFolder);
    connect(m_back, &QPushButton::clicked, this, &ErrorsView::backRequested);
    setProject(nullptr);
}

void ErrorsView::setProject(const store::ProjectStore *store)
{
    m_store = store;
    m_folder.reset();
    m_listing = {};
    m_message.clear();
    m_error->hide();
    showEmptyState(tr("Click FP or FN, or a histogram bar, in the Evaluate view to list those pairs here, or open "
                      "an exported errors folder."));
}

void ErrorsView::showEmptyState(const QString &hint, const QString &actionText, std::function<void()> action)
{
    m_folder.reset();
    m_listing = {};
    m_message.clear();
    m_error->hide();
    m_title->setText(tr("Errors"));
    m_hint->setText(hint);
    m_emptyActionFn = std::move(action);
    m_emptyAction->setText(actionText);
    m_emptyAction->setVisible(!actionText.isEmpty() && m_emptyActionFn);
    setRows({}, -1);
}

void ErrorsView::showErrors(const eval::EvalPairs &pairs, double threshold, bool falsePositives)
{
    showPairs(errorListing(pairs, threshold, falsePositives));
}

void ErrorsView::showPairs(const PairListing &listing)
{
    m_folder.reset();
    m_listing = listing;
    m_message.clear();
    m_error->hide();
    m_emptyAction->hide();
    m_title->setText(listing.title);
    m_hint->setText(listing.pairs.isEmpty() ? listing.hint + QLatin1Char(' ') + tr("No pairs.") : listing.hint);
    setRows(browsedPairs(listing, m_store), 0);
}

bool ErrorsView::openFolder(const QString &dir)
{
    eval::ErrorFolder folder;
    try {
        folder = eval::readErrorFolder(dir);
    } catch (const eval::EvalError &e) {
        m_message = tr("Cannot browse %1").arg(QString::fromUtf8(e.what()));
        m_error->setText(m_message);
        m_error->show();
        return false;
    }
    m_message.clear();
    m_error->hide();
    m_emptyAction->hide();
    m_listing = {};
    m_listing.threshold = folder.threshold;
    if (m_store) {
        try {
            if (const auto v = store::ModelTable(*m_store).versionByName(folder.modelVersion))
                m_listing.versionId = v->id;
        } catch (const std::exception &) {
        }
    }
    QVector<BrowsedPair> rows = browsedPairs(folder, m_store);
    qint64 inProject = 0;
    for (const BrowsedPair &r : rows)
        inProject += r.notInProject.isEmpty();
    m_title->setText(tr("Exported errors: %1").arg(QFileInfo(folder.dir).fileName()));
    QString hint = tr("%1 · version %2 at threshold %3 · %4 false positives, %5 false negatives · ")
                       .arg(folder.dir, folder.modelVersion.isEmpty() ? tr("unknown") : folder.modelVersion)
                       .arg(folder.threshold, 0, 'f', 4)
                       .arg(folder.falsePositives.size())
                       .arg(folder.falseNegatives.size());
    if (rows.isEmpty())
        hint += tr("nothing was misclassified at that threshold.");
    else if (inProject == rows.size())
        hint += tr("verdicts go to the open project.");
    else if (inProject == 0)
        hint += tr("these pairs are not the open project's, so verdicts cannot be recorded.");
    else
        hint += tr("%1 of the pairs are the open project's; verdicts can be recorded for those.").arg(inProject);
    if (!folder.problems.isEmpty())
        hint += QLatin1Char('\n') + tr("Problems: %1").arg(folder.problems.mid(0, 3).join(QStringLiteral("; "))) +
                (folder.problems.size() > 3 ? tr(" (and %1 more)").arg(folder.problems.size() - 3) : QString());
    m_hint->setText(hint);
    m_folder = std::move(folder);
    m_suggestedFolder = m_folder->dir;
    setRows(std::move(rows), 0);
    return true;
}

void ErrorsView::chooseFolder()
{
    const QString start = !m_suggestedFolder.isEmpty() ? m_suggestedFolder : m_store ? m_store->folder() : QString();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open an exported errors folder"), start);
    if (!dir.isEmpty() && !openFolder(dir))
        QMessageBox::warning(this, tr("Not an errors folder"), m_message);
}

QString ErrorsView::title() const { return m_title->text(); }
QString ErrorsView::message() const { return m_message; }

void ErrorsView::setRows(QVector<BrowsedPair> rows, int select)
{
    m_rows = std::move(rows);
    rebuildTree(select);
}

QString ErrorsView::rowText(const BrowsedPair &row) const
{
    QString text = row.exported ? tr("%1 · %2").arg(row.pair.folder,
                                                    row.pair.pairId > 0 ? tr("pair %1").arg(row.pair.pairId) : tr("no id"))
                                : tr("Pair %1 · %2 · truth %3%4")
                                      .arg(row.pair.pairId)
                                      .arg(row.pair.score, 0, 'f', 3)
                                      .arg(truthWord(row.pair.truthSame))
                                      .arg(row.pair.truthFromVerdict ? tr(" (verdict)") : QString());
    if (row.recorded == BrowsedPair::Recorded::CorrectedTruth)
        text += tr(" · truth corrected");
    else if (row.recorded == BrowsedPair::Recorded::AddedToFeedback)
        text += tr(" · in feedback");
    return text;
}

// Flat for a listing; two groups (false positives, false negatives) for an exported folder.
void ErrorsView::rebuildTree(int select)
{
    const QSignalBlocker block(m_tree);
    m_tree->clear();
    QTreeWidgetItem *fp = nullptr, *fn = nullptr;
    if (m_folder) {
        fp = new QTreeWidgetItem(m_tree, {tr("False positives (%1)").arg(m_folder->falsePositives.size())});
        fn = new QTreeWidgetItem(m_tree, {tr("False negatives (%1)").arg(m_folder->falseNegatives.size())});
        for (QTreeWidgetItem *g : {fp, fn}) {
            g->setData(0, kRowRole, -1);
            g->setFlags(Qt::ItemIsEnabled);
            QFont f = g->font(0);
            f.setBold(true);
            g->setFont(0, f);
        }
    }
    QTreeWidgetItem *chosen = nullptr;
    for (int i = 0; i < m_rows.size(); ++i) {
        const BrowsedPair &r = m_rows[i];
        QTreeWidgetItem *parent = r.exported ? (r.exported->falsePositive ? fp : fn) : nullptr;
        auto *item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_tree);
        item->setText(0, rowText(r));
        item->setData(0, kRowRole, i);
        if (!r.notInProject.isEmpty())
            item->setToolTip(0, r.notInProject);
        if (i == select)
            chosen = item;
    }
    m_tree->expandAll();
    m_tree->setCurrentItem(chosen);
    showSelected();
}

int ErrorsView::selectedRow() const
{
    const QTreeWidgetItem *item = m_tree->currentItem();
    const int row = item ? item->data(0, kRowRole).toInt() : -1;
    return row >= 0 && row < m_rows.size() ? row : -1;
}

void ErrorsView::selectRow(int row)
{
    for (QTreeWidgetItemIterator it(m_tree); *it; ++it)
        if ((*it)->data(0, kRowRole).toInt() == row && row >= 0) {
            m_tree->setCurrentItem(*it);
            return;
        }
}

qint64 ErrorsView::selectedPair() const
{
    const int row = selectedRow();
    return row >= 0 ? m_rows[row].pair.pairId : 0;
}

void ErrorsView::showSelected()
{
    const int row = selectedRow();
    m_record.reset();
    if (row < 0) {
        m_faceA->setImagePath({});
        m_faceB->setImagePath({});
        m_names->clear();
        m_score->clear();
        m_truth->clear();
        m_info->clear();
        m_info->setVisible(m_folder.has_value());
        updateActions();
        return;
    }
    BrowsedPair &r = m_rows[row];
    if (m_store && r.notInProject.isEmpty()) {
        try {
            m_record = store::PairTable(*m_store).pair(r.pair.pairId);
        } catch (const std::exception &ex) {
            r.notInProject = tr("Could not read pair %1: %2").arg(r.pair.pairId).arg(QString::fromUtf8(ex.what()));
        }
    }
    if (r.exported) {   // the files in the export folder, whatever the project holds now
        m_faceA->setImagePath(r.exported->image1);
        m_faceB->setImagePath(r.exported->image2);
        m_names->setText(QStringLiteral("%1  ·  %2")
                             .arg(QFileInfo(r.exported->sourcePath1).fileName(), QFileInfo(r.exported->sourcePath2).fileName()));
        const QString info = eval::readInfo(*r.exported);
        m_info->setPlainText(info.isEmpty() ? tr("(no info.txt in %1)").arg(r.exported->folder) : info);
    } else if (m_record) {
        m_faceA->setImagePath(m_record->a.absPath);
        m_faceB->setImagePath(m_record->b.absPath);
        m_names->setText(QStringLiteral("%1  ·  %2").arg(m_record->a.relPath, m_record->b.relPath));
    } else {
        m_faceA->setImagePath({});
        m_faceB->setImagePath({});
        m_names->setText(r.notInProject);
    }
    m_info->setVisible(r.exported.has_value());
    const double threshold = m_listing.threshold;
    m_score->setText(tr("Similarity %1 (threshold %2)").arg(r.pair.score, 0, 'f', 4).arg(threshold, 0, 'f', 4));
    m_truth->setText(tr("Truth: %1 (%2) · the model said %3")
                         .arg(r.pair.truthSame ? tr("same person") : tr("different people"))
                         .arg(r.pair.truthFromVerdict ? tr("your verdict") : tr("imported"))
                         .arg(truthWord(r.pair.score >= threshold)));
    updateActions();
}

QString ErrorsView::truthBlocker() const
{
    const int row = selectedRow();
    if (row < 0)
        return tr("Choose a pair first.");
    if (!m_rows[row].notInProject.isEmpty())
        return m_rows[row].notInProject;
    if (!m_store || !m_record)
        return tr("The pair is not in the open project.");
    if (m_rows[row].recorded == BrowsedPair::Recorded::CorrectedTruth)
        return tr("You already corrected this pair's truth.");
    return {};
}

QString ErrorsView::feedbackBlocker() const
{
    const int row = selectedRow();
    const QString blocked = truthBlocker();
    if (!blocked.isEmpty())
        return row >= 0 && m_rows[row].recorded == BrowsedPair::Recorded::CorrectedTruth
                   ? tr("You corrected this pair's truth; your verdict is already recorded.")
                   : blocked;
    const BrowsedPair &r = m_rows[row];
    if (r.recorded == BrowsedPair::Recorded::AddedToFeedback)
        return tr("Already added to training feedback.");
    if (m_record->verdict && *m_record->verdict == verdictFor(r.pair.truthSame))
        return tr("Your verdict already says %1; fine-tuning uses it.").arg(truthWord(r.pair.truthSame));
    return {};
}

void ErrorsView::updateActions()
{
    const int row = selectedRow();
    const bool same = row >= 0 && m_rows[row].pair.truthSame;
    m_truthWrong->setText(row < 0 ? tr("Truth is wrong")
                                  : same ? tr("Truth is wrong: they are different") : tr("Truth is wrong: same person"));
    const QString truthBlocked = truthBlocker();
    m_truthWrong->setEnabled(truthBlocked.isEmpty());
    m_truthWrong->setToolTip(truthBlocked.isEmpty() ? tr("Record the opposite verdict for this pair and re-evaluate") : truthBlocked);

    const QString feedbackBlocked = feedbackBlocker();
    m_feedback->setEnabled(feedbackBlocked.isEmpty());
    m_feedback->setToolTip(feedbackBlocked.isEmpty()
                               ? tr("Record the truth (%1) as your verdict, so fine-tuning learns from this pair").arg(truthWord(same))
                               : feedbackBlocked);

    const QStringList dirs = foldersToOpen();
    m_openFolder->setEnabled(!dirs.isEmpty());
    m_openFolder->setToolTip(dirs.isEmpty() ? tr("No image folder to open.") : tr("Open %1").arg(dirs.join(tr(" and "))));
}

QStringList ErrorsView::foldersToOpen() const
{
    const int row = selectedRow();
    if (row < 0)
        return {};
    if (m_rows[row].exported)
        return m_rows[row].exported->folder.isEmpty() ? QStringList() : QStringList{m_rows[row].exported->folder};
    if (!m_record)
        return {};
    QStringList dirs{QFileInfo(m_record->a.absPath).absolutePath()};
    const QString b = QFileInfo(m_record->b.absPath).absolutePath();
    if (b != dirs.first())
        dirs << b;
    return dirs;
}

qint64 ErrorsView::feedbackVersionId() const { return m_listing.versionId; }

bool ErrorsView::markTruthWrong()
{
    const int row = selectedRow();
    if (row < 0 || !truthBlocker().isEmpty())
        return false;
    const eval::ErrorPair e = m_rows[row].pair;
    try {
        store::FeedbackTable(*m_store).add(e.pairId, verdictFor(!e.truthSame), feedbackVersionId(), e.score);
    } catch (const std::exception &ex) {
        QMessageBox::warning(this, tr("Verdict not saved"), QString::fromUtf8(ex.what()));
        return false;
    }
    if (m_folder) {   // the export still holds it: mark it
        m_rows[row].recorded = BrowsedPair::Recorded::CorrectedTruth;
        m_tree->currentItem()->setText(0, rowText(m_rows[row]));
        showSelected();
    } else {          // a listing of the evaluation: the pair no longer belongs in it
        m_rows.removeAt(row);
        rebuildTree(std::min(row, int(m_rows.size()) - 1));
    }
    emit truthCorrected(e.pairId);
    return true;
}

QString ErrorsView::feedbackWarning() const
{
    const int row = selectedRow();
    if (row < 0 || !m_record || m_record->split != QLatin1String("test"))
        return {};
    return tr("Pair %1 is in the test split. Adding it to training feedback records your verdict on a pair that "
              "measures the model: fine-tuning keeps test-split verdicts out of training for its before/after "
              "comparison (and if you train on the test split anyway, that comparison no longer means anything), and "
              "evaluations will take your verdict as this pair's truth.\n\nAdd it anyway?")
        .arg(m_record->id);
}

bool ErrorsView::addToTrainingFeedback(bool testSplitConfirmed)
{
    const int row = selectedRow();
    if (row < 0 || !feedbackBlocker().isEmpty())
        return false;
    if (!feedbackWarning().isEmpty() && !testSplitConfirmed)
        return false;
    const eval::ErrorPair e = m_rows[row].pair;
    try {
        store::FeedbackTable(*m_store).add(e.pairId, verdictFor(e.truthSame), feedbackVersionId(), e.score);
    } catch (const std::exception &ex) {
        QMessageBox::warning(this, tr("Verdict not saved"), QString::fromUtf8(ex.what()));
        return false;
    }
    m_rows[row].recorded = BrowsedPair::Recorded::AddedToFeedback;
    m_tree->currentItem()->setText(0, rowText(m_rows[row]));
    showSelected();
    emit feedbackAdded(e.pairId);
    return true;
}

void ErrorsView::onFeedbackClicked()
{
    const QString warning = feedbackWarning();
    if (!warning.isEmpty() && !(m_confirm && m_confirm(warning)))
        return;
    addToTrainingFeedback(true);
}

} // namespace facelab::ui
