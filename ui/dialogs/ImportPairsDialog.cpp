#include "ui/dialogs/ImportPairsDialog.h"

#include "ui/Resources.h"

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
#include <QVBoxLayout>

namespace facelab::ui {

ImportPairsDialog::ImportPairsDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Import pairs"));
    setMinimumWidth(600);
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(20, 18, 20, 14);
    auto *intro = new QLabel(tr("Reads an <b>LFW pairs.txt</b> (<i>name i j</i> and <i>name1 i name2 j</i> lines; "
                                "images at <i>name/name_0001.jpg</i>) or a <b>CSV</b> of "
                                "<i>path1,path2,same</i>. The format is detected from the content; images "
                                "named by the file are imported too. Lines that cannot be used are listed "
                                "afterwards, nothing else is touched."),
                             this);
    intro->setWordWrap(true);
    intro->setProperty("role", QStringLiteral("muted"));
    v->addWidget(intro);
    v->addSpacing(6);

    auto *form = new QFormLayout;
    m_file = new QLineEdit(this);
    m_file->setObjectName(QStringLiteral("pairsFile"));
    m_root = new QLineEdit(this);
    m_root->setObjectName(QStringLiteral("imagesRoot"));
    m_root->setPlaceholderText(tr("the pairs file's folder"));
    auto *browseFile = new QPushButton(tr("Browse…"), this);
    auto *browseRoot = new QPushButton(tr("Browse…"), this);
    connect(browseFile, &QPushButton::clicked, this, [this] {
        QSettings s;
        const QString start = m_file->text().isEmpty() ? s.value(QStringLiteral("import/pairsDir")).toString()
                                                        : QFileInfo(m_file->text()).absolutePath();
        const QString f = QFileDialog::getOpenFileName(this, tr("Pairs file"), start,
                                                       tr("Pairs lists (*.txt *.csv);;All files (*)"));
        if (!f.isEmpty()) {
            s.setValue(QStringLiteral("import/pairsDir"), QFileInfo(f).absolutePath());
            setFile(f);
        }
    });
    connect(browseRoot, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Folder the image paths are relative to"),
                                                            imagesRoot());
        if (!d.isEmpty()) {
            m_root->setText(d);
            m_rootEdited = true;
        }
    });
    auto *fr = new QHBoxLayout;
    fr->addWidget(m_file, 1);
    fr->addWidget(browseFile);
    auto *rr = new QHBoxLayout;
    rr->addWidget(m_root, 1);
    rr->addWidget(browseRoot);
    form->addRow(tr("Pairs file:"), fr);
    form->addRow(tr("Images folder:"), rr);
    v->addLayout(form);
    v->addStretch(1);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Import"));
    m_buttons->button(QDialogButtonBox::Ok)->setIcon(icon(QStringLiteral("import-pairs")));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    v->addWidget(m_buttons);
    connect(m_file, &QLineEdit::textChanged, this, &ImportPairsDialog::validate);
    connect(m_root, &QLineEdit::textEdited, this, [this] { m_rootEdited = true; });
    validate();
}

void ImportPairsDialog::setFile(const QString &file)
{
    m_file->setText(file);
    if (!m_rootEdited)
        m_root->setText(QFileInfo(file).absolutePath());
}

QString ImportPairsDialog::file() const
{
    return m_file->text().trimmed();
}

QString ImportPairsDialog::imagesRoot() const
{
    const QString r = m_root->text().trimmed();
    return r.isEmpty() ? QFileInfo(file()).absolutePath() : r;
}

void ImportPairsDialog::validate()
{
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(QFileInfo(file()).isFile());
}

} // namespace facelab::ui
