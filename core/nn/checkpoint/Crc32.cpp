#include "nn/checkpoint/Crc32.h"

#ifdef FACELAB_CHECKPOINT_HAVE_ZLIB
#include <zlib.h>
#endif

namespace facelab::nn::ckpt::detail {

uint32_t crc32Update(uint32_t crc, const void *data, size_t size)
{
#ifdef FACELAB_CHECKPOINT_HAVE_ZLIB
    const auto *p = static_cast<const Bytef *>(data);
    uLong c = crc;
    while (size > 0) { // zlib takes uInt lengths
        const uInt chunk = size > (1u << 30) ? (1u << 30) : static_cast<uInt>(size);
        c = ::crc32(c, p, chunk);
        p += chunk;
        size -= chunk;
    }
    return static_cast<uint32_t>(c);
#else
    static const auto table = [] {
        struct T { uint32_t v[256]; } t{};
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t.v[i] = c;
        }
        return t;
    }();
    const auto *p = static_cast<const uint8_t *>(data);
    uint32_t c = ~crc;
    for (size_t i = 0; i < size; ++i)
        c = table.v[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
#endif
}

} // namespace facelab::nn::ckpt::detail
