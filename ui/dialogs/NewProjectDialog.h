#pragma once
// File > New project…: a name and a location; the project folder is location/name.
#include <QDialog>

class QLineEdit;
class QLabel;
class QDialogButtonBox;

namespace facelab::ui {

class NewProjectDialog : public QDialog
{
    Q_OBJECT
public:
    explicit NewProjectDialog(QWidget *parent = nullptr);
    QString folder() const;   // the folder to create

private:
    void validate();
    QLineEdit *m_name;
    QLineEdit *m_location;
    QLabel *m_result;
    QDialogButtonBox *m_buttons;
};

} // namespace facelab::ui
