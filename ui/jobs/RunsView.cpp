#include "ui/jobs/RunsView.h"

#include "store/RunTable.h"
#include "ui/Theme.h"
#include "ui/jobs/JobsPanel.h"

#include <QDateTime>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace facelab::ui {

namespace {
constexpr int kIdRole = Qt::UserRole + 1;
}

RunsView::RunsView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("runsView"));
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(28, 18, 28, 18);
    root->setSpacing(12);
    auto *head = new QHBoxLayout;
    auto *title = new QLabel(tr("Runs"), this);
    title->setProperty("role", QStringLiteral("title"));
    auto *sub = new QLabel(tr("Every long job of this project, as recorded in the project file."), this);
    sub->setProperty("role", QStringLiteral("muted"));
    auto *refreshButton = new QPushButton(tr("Refresh"), this);
    connect(refreshButton, &QPushButton::clicked, this, &RunsView::refresh);
    head->addWidget(title);
    head->addSpacing(12);
    head->addWidget(sub);
    head->addStretch(1);
    head->addWidget(refreshButton);
    root->addLayout(head);

    auto *split = new QSplitter(Qt::Horizontal, this);
    m_list = new QTreeWidget(split);
    m_list->setObjectName(QStringLiteral("runsList"));
    m_list->setHeaderLabels({tr("#"), tr("Job"), tr("Status"), tr("Started"), tr("Took")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_list->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    connect(m_list, &QTreeWidget::currentItemChanged, this, &RunsView::showDetails);

    auto *details = new QWidget(split);
    auto *dv = new QVBoxLayout(details);
    dv->setContentsMargins(12, 0, 0, 0);
    m_title = new QLabel(details);
    m_title->setProperty("role", QStringLiteral("subtitle"));
    m_meta = new QLabel(details);
    m_meta->setProperty("role", QStringLiteral("muted"));
    m_meta->setWordWrap(true);
    m_meta->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_log = new QPlainTextEdit(details);
    m_log->setReadOnly(true);
    m_log->setObjectName(QStringLiteral("runLog"));
    QFont mono(QStringLiteral("DejaVu Sans Mono"));
    mono.setStyleHint(QFont::Monospace);
    mono.setPointSizeF(font().pointSizeF() * 0.92);
    m_log->setFont(mono);
    m_log->setPlaceholderText(tr("Select a run to see its log."));
    dv->addWidget(m_title);
    dv->addWidget(m_meta);
    dv->addWidget(m_log, 1);
    split->addWidget(m_list);
    split->addWidget(details);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    root->addWidget(split, 1);
}

void RunsView::setProject(const store::ProjectStore *store)
{
    m_store = store;
    refresh();
}

void RunsView::showEvent(QShowEvent *e)
{
    QWidget::showEvent(e);
    refresh();
}

void RunsView::refresh()
{
    const qint64 selected = m_list->currentItem() ? m_list->currentItem()->data(0, kIdRole).toLongLong() : 0;
    m_list->clear();
    if (!m_store) {
        showDetails();
        return;
    }
    QVector<store::RunRecord> runs;
    try {
        runs = store::RunTable(*m_store).recent(1000);
    } catch (const std::exception &) {
    }
    for (const store::RunRecord &r : runs) {
        auto *it = new QTreeWidgetItem(m_list);
        it->setText(0, QString::number(r.id));
        it->setText(1, JobsPanel::kindTitle(r.kind, r.paramsJson));
        it->setText(2, r.status);
        it->setForeground(2, JobsPanel::statusColor(r.status));
        const QDateTime a = QDateTime::fromString(r.startedAt, Qt::ISODateWithMs);
        const QDateTime b = QDateTime::fromString(r.endedAt, Qt::ISODateWithMs);
        it->setText(3, a.isValid() ? QLocale().toString(a.toLocalTime(), QLocale::ShortFormat) : QString());
        if (a.isValid() && b.isValid())
            it->setText(4, JobsPanel::formatElapsed(a.msecsTo(b)));
        it->setData(0, kIdRole, r.id);
        if (r.id == selected)
            m_list->setCurrentItem(it);
    }
    if (!m_list->currentItem() && m_list->topLevelItemCount() > 0)
        m_list->setCurrentItem(m_list->topLevelItem(0));
    showDetails();
}

void RunsView::selectRun(qint64 runId)
{
    refresh();
    for (int i = 0; i < m_list->topLevelItemCount(); ++i)
        if (m_list->topLevelItem(i)->data(0, kIdRole).toLongLong() == runId)
            m_list->setCurrentItem(m_list->topLevelItem(i));
}

void RunsView::showDetails()
{
    QTreeWidgetItem *it = m_list->currentItem();
    if (!it || !m_store) {
        m_title->setText(m_store ? tr("No runs yet") : QString());
        m_meta->clear();
        m_log->clear();
        return;
    }
    store::RunRecord r;
    try {
        r = store::RunTable(*m_store).run(it->data(0, kIdRole).toLongLong());
    } catch (const std::exception &e) {
        m_title->setText(tr("Run unavailable"));
        m_meta->setText(QString::fromUtf8(e.what()));
        m_log->clear();
        return;
    }
    m_title->setText(tr("Run %1 · %2").arg(r.id).arg(JobsPanel::kindTitle(r.kind, r.paramsJson)));
    QString params = r.paramsJson;
    const QJsonDocument doc = QJsonDocument::fromJson(r.paramsJson.toUtf8());
    if (doc.isObject() && !doc.object().isEmpty())
        params = QString::fromUtf8(doc.toJson(QJsonDocument::Compact));
    auto when = [](const QString &iso) {
        const QDateTime t = QDateTime::fromString(iso, Qt::ISODateWithMs);
        return t.isValid() ? QLocale().toString(t.toLocalTime(), QLocale::ShortFormat) : tr("—");
    };
    const QDateTime a = QDateTime::fromString(r.startedAt, Qt::ISODateWithMs);
    const QDateTime b = QDateTime::fromString(r.endedAt, Qt::ISODateWithMs);
    const QString took = a.isValid() && b.isValid() ? tr(" (%1)").arg(JobsPanel::formatElapsed(a.msecsTo(b))) : QString();
    m_meta->setText(tr("Status: <b style=\"color:%1\">%2</b> · started %3 · ended %4%5<br>Parameters: <tt>%6</tt>")
                        .arg(JobsPanel::statusColor(r.status).name(), r.status, when(r.startedAt), when(r.endedAt), took,
                             params.toHtmlEscaped()));
    m_log->setPlainText(r.log.isEmpty() ? tr("(no log lines)") : r.log);
}

} // namespace facelab::ui
