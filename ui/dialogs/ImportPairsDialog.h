#pragma once
// File > Import pairs…: the pairs file (LFW pairs.txt or CSV) and the folder its image paths are
// relative to (default: the file's own folder).
#include <QDialog>

class QLineEdit;
class QDialogButtonBox;

namespace facelab::ui {

class ImportPairsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ImportPairsDialog(QWidget *parent = nullptr);
    QString file() const;
    QString imagesRoot() const;
    void setFile(const QString &file);

private:
    void validate();
    QLineEdit *m_file;
    QLineEdit *m_root;
    QDialogButtonBox *m_buttons;
    bool m_rootEdited = false;
};

} // namespace facelab::ui
