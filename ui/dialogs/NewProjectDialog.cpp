#include "ui/dialogs/NewProjectDialog.h"

#include "store/ProjectStore.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace facelab::ui {

NewProjectDialog::NewProjectDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("New project"));
    setMinimumWidth(560);
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(20, 18, 20, 14);
    auto *intro = new QLabel(tr("A project is a folder holding <b>project.sqlite</b>: imported image paths, "
                                "pairs, every verdict and every run. Images are never copied."),
                             this);
    intro->setWordWrap(true);
    intro->setProperty("role", QStringLiteral("muted"));
    v->addWidget(intro);
    v->addSpacing(8);

    auto *form = new QFormLayout;
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("projectName"));
    m_name->setPlaceholderText(tr("e.g. lfw-audit"));
    m_location = new QLineEdit(this);
    m_location->setObjectName(QStringLiteral("projectLocation"));
    const QString home = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    m_location->setText(QSettings().value(QStringLiteral("newProject/location"),
                                          QDir(home.isEmpty() ? QDir::homePath() : home).filePath(QStringLiteral("FaceLab")))
                            .toString());
    auto *browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Create the project in"), m_location->text());
        if (!d.isEmpty())
            m_location->setText(d);
    });
    auto *loc = new QHBoxLayout;
    loc->addWidget(m_location, 1);
    loc->addWidget(browse);
    form->addRow(tr("Name:"), m_name);
    form->addRow(tr("Location:"), loc);
    v->addLayout(form);
    m_result = new QLabel(this);
    m_result->setWordWrap(true);
    m_result->setProperty("role", QStringLiteral("muted"));
    v->addWidget(m_result);
    v->addStretch(1);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Create"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        QSettings().setValue(QStringLiteral("newProject/location"), m_location->text());
        accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    v->addWidget(m_buttons);
    connect(m_name, &QLineEdit::textChanged, this, &NewProjectDialog::validate);
    connect(m_location, &QLineEdit::textChanged, this, &NewProjectDialog::validate);
    validate();
}

QString NewProjectDialog::folder() const
{
    const QString name = m_name->text().trimmed();
    if (name.isEmpty() || m_location->text().trimmed().isEmpty())
        return {};
    return QDir::cleanPath(QDir(m_location->text().trimmed()).filePath(name));
}

void NewProjectDialog::validate()
{
    const QString name = m_name->text().trimmed();
    QString problem;
    if (name.isEmpty())
        problem = tr("Give the project a name.");
    else if (name.contains(QLatin1Char('/')) || name.contains(QLatin1Char('\\')))
        problem = tr("The name cannot contain slashes.");
    else if (store::ProjectStore::exists(folder()))
        problem = tr("A FaceLab project already exists there: use File > Open project.");
    else if (QFileInfo(folder()).isFile())
        problem = tr("A file with that name exists there.");
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
    m_result->setText(problem.isEmpty() ? tr("Will create %1").arg(QDir::toNativeSeparators(folder())) : problem);
}

} // namespace facelab::ui
