#pragma once
// A small tmpfs of the test's own, for conditions a plain temporary folder cannot make: a full
// disk, a read-only mount (root ignores file permissions, not a read-only mount). Needs root with
// CAP_SYS_ADMIN and mount(8); ok() is false with the reason in why() where that is not allowed.
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>

class ScratchMount
{
public:
    explicit ScratchMount(const QString &size)
    {
        if (!m_dir.isValid()) {
            m_why = QStringLiteral("no temporary folder");
            return;
        }
        m_ok = run({QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"), QStringLiteral("size=") + size,
                    QStringLiteral("tmpfs"), m_dir.path()});
    }
    ~ScratchMount()
    {
        if (m_ok)
            QProcess::execute(QStringLiteral("umount"), {QStringLiteral("-l"), m_dir.path()});
    }
    ScratchMount(const ScratchMount &) = delete;
    ScratchMount &operator=(const ScratchMount &) = delete;

    bool ok() const { return m_ok; }
    QString why() const { return m_why; }
    QString path() const { return m_dir.path(); }
    QString filePath(const QString &name) const { return QDir(m_dir.path()).filePath(name); }
    bool remountReadOnly() { return run({QStringLiteral("-o"), QStringLiteral("remount,ro"), m_dir.path()}); }

private:
    bool run(const QStringList &args)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral("mount"), args);
        if (!p.waitForFinished(10000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
            m_why = QStringLiteral("cannot mount a scratch tmpfs here (mount %1: %2)")
                        .arg(args.join(QLatin1Char(' ')), p.error() == QProcess::FailedToStart
                                                              ? p.errorString()
                                                              : QString::fromLocal8Bit(p.readAll()).simplified());
            return false;
        }
        return true;
    }
    QTemporaryDir m_dir;
    bool m_ok = false;
    QString m_why;
};
