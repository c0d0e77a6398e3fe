#include "ui/errors/ErrorsView.h"

#include "data/ImageCache.h"
#include "store/FeedbackTable.h"
#include "store/PairTable.h"
#include "ui/annotate/FaceView.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace facelab::ui {

ErrorsView::ErrorsView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("errorsView"));
    m_cache = new data::ImageCache(data::ImageCache::kDefaultBudget, this);
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(20, 16, 20, 12);
    v->setSpacing(10);
    auto *head = new QHBoxLayout;
    m_title = new QLabel(tr("Errors"), this);
    m_title->setProperty("role", QStringLiteral("title"));
    m_back = new QPushButton(tr("Back to Evaluate"), this);
    m_back->setObjectName(QStringLiteral("errorsBack"));
    head->addWidget(m_title);
    head->addStretch(1);
    head->addWidget(m_back);
    v->addLayout(head);
    m_hint = new QLabel(tr("Click FP or FN in the Evaluate view to list those pairs here."), this);
    m_hint->setObjectName(QStringLiteral("errorsHint"));
    m_hint->setProperty("role", QStringLiteral("muted"));
    m_hint->setWordWrap(true);
    v->addWidget(m_hint);

    auto *body = new QHBoxLayout;
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("errorsList"));
    m_list->setFixedWidth(300);
    body->addWidget(m_list);
    auto *detail = new QVBoxLayout;
    auto *faces = new QHBoxLayout;
    m_faceA = new FaceView(m_cache, this);
    m_faceB = new FaceView(m_cache, this);
    m_faceA->setMinimumSize(260, 300);
    m_faceB->setMinimumSize(260, 300);
    faces->addWidget(m_faceA, 1);
    faces->addWidget(m_faceB, 1);
    detail->addLayout(faces, 1);
    m_names = new QLabel(this);
    m_names->setObjectName(QStringLiteral("errorsNames"));
    m_names->setProperty("role", QStringLiteral("muted"));
    m_names->setAlignment(Qt::AlignCenter);
    m_score = new QLabel(this);
    m_score->setObjectName(QStringLiteral("errorsScore"));
    m_score->setProperty("role", QStringLiteral("subtitle"));
    m_score->setAlignment(Qt::AlignCenter);
    m_truth = new QLabel(this);
    m_truth->setObjectName(QStringLiteral("errorsTruth"));
    m_truth->setAlignment(Qt::AlignCenter);
    detail->addWidget(m_names);
    detail->addWidget(m_score);
    detail->addWidget(m_truth);
    auto *actions = new QHBoxLayout;
    m_truthWrong = new QPushButton(tr("Truth is wrong"), this);
    m_truthWrong->setObjectName(QStringLiteral("truthWrongButton"));
    m_truthWrong->setToolTip(tr("Record the opposite verdict for this pair and re-evaluate"));
    actions->addStretch(1);
    actions->addWidget(m_truthWrong);
    actions->addStretch(1);
    detail->addLayout(actions);
    body->addLayout(detail, 1);
    v->addLayout(body, 1);

    connect(m_list, &QListWidget::currentRowChanged, this, [this] { showSelected(); });
    connect(m_truthWrong, &QPushButton::clicked, this, [this] { markTruthWrong(); });
    connect(m_back, &QPushButton::clicked, this, &ErrorsView::backRequested);
    showSelected();
}

void ErrorsView::setProject(const store::ProjectStore *store)
{
    m_store = store;
    m_errors.clear();
    m_list->clear();
    m_title->setText(tr("Errors"));
    m_hint->setText(tr("Click FP or FN in the Evaluate view to list those pairs here."));
    showSelected();
}

void ErrorsView::showErrors(const eval::EvalPairs &pairs, double threshold, bool falsePositives)
{
    const eval::ErrorList all = eval::listErrors(pairs, threshold);
    m_errors = falsePositives ? all.falsePositives : all.falseNegatives;
    m_versionId = pairs.version.id;
    m_falsePositives = falsePositives;
    m_threshold = threshold;
    m_title->setText(falsePositives ? tr("False positives") : tr("False negatives"));
    m_hint->setText((falsePositives ? tr("%1 different pairs scored at or above %2 (%3), highest score first.")
                                    : tr("%1 same pairs scored below %2 (%3), lowest score first."))
                        .arg(m_errors.size())
                        .arg(threshold, 0, 'f', 4)
                        .arg(pairs.describe()));
    m_list->clear();
    for (const auto &e : m_errors) {
        auto *item = new QListWidgetItem(tr("Pair %1 · %2 · truth %3%4")
                                             .arg(e.pairId)
                                             .arg(e.score, 0, 'f', 3)
                                             .arg(e.truthSame ? tr("same") : tr("different"))
                                             .arg(e.truthFromVerdict ? tr(" (verdict)") : QString()),
                                         m_list);
        item->setData(Qt::UserRole, e.pairId);
    }
    if (!m_errors.isEmpty())
        m_list->setCurrentRow(0);
    showSelected();
}

qint64 ErrorsView::selectedPair() const
{
    const int row = m_list->currentRow();
    return row >= 0 && row < m_errors.size() ? m_errors[row].pairId : 0;
}

void ErrorsView::showSelected()
{
    const int row = m_list->currentRow();
    const bool has = m_store && row >= 0 && row < m_errors.size();
    m_truthWrong->setEnabled(has);
    if (!has) {
        m_faceA->setImagePath({});
        m_faceB->setImagePath({});
        m_names->clear();
        m_score->clear();
        m_truth->clear();
        return;
    }
    const eval::ErrorPair &e = m_errors[row];
    try {
        const store::PairRecord rec = store::PairTable(*m_store).pair(e.pairId);
        m_faceA->setImagePath(rec.a.absPath);
        m_faceB->setImagePath(rec.b.absPath);
        m_names->setText(QStringLiteral("%1  ·  %2").arg(rec.a.relPath, rec.b.relPath).toHtmlEscaped());
    } catch (const std::exception &ex) {
        m_faceA->setImagePath({});
        m_faceB->setImagePath({});
        m_names->setText(tr("Could not read pair %1: %2").arg(e.pairId).arg(QString::fromStdString(ex.what())));
    }
    m_score->setText(tr("Similarity %1 (threshold %2)").arg(e.score, 0, 'f', 4).arg(m_threshold, 0, 'f', 4));
    m_truth->setText(tr("Truth: %1 (%2) · the model said %3")
                         .arg(e.truthSame ? tr("same person") : tr("different people"))
                         .arg(e.truthFromVerdict ? tr("your verdict") : tr("imported"))
                         .arg(e.truthSame ? tr("different") : tr("same")));
    m_truthWrong->setText(e.truthSame ? tr("Truth is wrong: they are different") : tr("Truth is wrong: same person"));
}

bool ErrorsView::markTruthWrong()
{
    const int row = m_list->currentRow();
    if (!m_store || row < 0 || row >= m_errors.size())
        return false;
    const eval::ErrorPair e = m_errors[row];
    try {
        store::FeedbackTable(*m_store).add(e.pairId, e.truthSame ? store::Verdict::Different : store::Verdict::Same,
                                           m_versionId, e.score);
    } catch (const std::exception &ex) {
        QMessageBox::warning(this, tr("Verdict not saved"), QString::fromStdString(ex.what()));
        return false;
    }
    // The pair is no longer an error under the corrected truth.
    m_errors.removeAt(row);
    delete m_list->takeItem(row);
    showSelected();
    emit truthCorrected(e.pairId);
    return true;
}

} // namespace facelab::ui
