// libfacelab-decoders.so: OpenCV's image decoding for the small facelab binary, loaded on demand
// (DecoderPlugin.cpp). It answers exactly what the import probe's fallback answers in facelab-engine.
#include "DecoderPluginAbi.h"

#include "data/ImageDecode.h"

#include <algorithm>
#include <cstring>

extern "C" __attribute__((visibility("default"))) int facelab_image_size(const char *pathUtf8, const char *sniffedFormat,
                                                                          int *width, int *height, char *why,
                                                                          int whyCapacity)
{
    QString reason;
    const std::optional<QSize> size = facelab::data::openCvImageSize(QString::fromUtf8(pathUtf8),
                                                                     QString::fromUtf8(sniffedFormat), &reason);
    if (size) {
        *width = size->width();
        *height = size->height();
        return 1;
    }
    if (whyCapacity > 0) {
        const QByteArray utf8 = reason.toUtf8();
        const size_t n = std::min(size_t(utf8.size()), size_t(whyCapacity - 1));
        std::memcpy(why, utf8.constData(), n);
        why[n] = '\0';
    }
    return 0;
}
