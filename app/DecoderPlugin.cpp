#include "DecoderPlugin.h"
#include "DecoderPluginAbi.h"

#include "data/ImageProbe.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLibrary>
#include <mutex>

namespace facelab::cli {

namespace {

struct LoadedPlugin
{
    FacelabImageSizeFn imageSize = nullptr;
    QString problem;   // why it could not be loaded, when imageSize is null
};

const LoadedPlugin &plugin()
{
    static LoadedPlugin loaded;
    static std::once_flag once;
    std::call_once(once, [] {
        const QString dir = QCoreApplication::applicationDirPath();
        QStringList tried;
        for (const QString &candidate : {dir + QStringLiteral("/libfacelab-decoders.so"),
                                         dir + QStringLiteral("/../lib/facelab/libfacelab-decoders.so")}) {
            if (!QFileInfo::exists(candidate)) {
                tried << QDir::cleanPath(candidate) + QStringLiteral(" (missing)");
                continue;
            }
            auto *lib = new QLibrary(candidate);   // kept loaded for the life of the process
            if (auto fn = reinterpret_cast<FacelabImageSizeFn>(lib->resolve(kFacelabImageSizeSymbol))) {
                loaded.imageSize = fn;
                return;
            }
            tried << QDir::cleanPath(candidate) + QStringLiteral(" (") + lib->errorString() + QStringLiteral(")");
            delete lib;
        }
        loaded.problem = tried.join(QStringLiteral(", "));
    });
    return loaded;
}

} // namespace

void useDecoderPluginOnDemand()
{
    data::setFallbackDecoder([](const QString &path, const QString &sniffed, QString *why) -> std::optional<QSize> {
        const LoadedPlugin &p = plugin();
        if (!p.imageSize) {
            *why = QStringLiteral("not a readable image (%1 content: Qt does not read it and FaceLab's OpenCV decoders "
                                  "could not be loaded: %2)")
                       .arg(sniffed.isEmpty() ? QStringLiteral("unknown") : sniffed, p.problem);
            return std::nullopt;
        }
        int width = 0, height = 0;
        char message[1024] = {0};
        if (!p.imageSize(path.toUtf8().constData(), sniffed.toUtf8().constData(), &width, &height, message,
                         int(sizeof message))) {
            *why = QString::fromUtf8(message);
            return std::nullopt;
        }
        return QSize(width, height);
    });
}

} // namespace facelab::cli
