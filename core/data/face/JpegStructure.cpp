#include "data/face/JpegStructure.h"

namespace facelab::face {

std::string jpegStructureProblem(const unsigned char *d, size_t n)
{
    if (n < 4 || d[0] != 0xFF || d[1] != 0xD8)
        return "not a JPEG stream (no start-of-image marker)";
    const std::string truncated = "truncated JPEG (file ends before the end-of-image marker)";
    size_t i = 2;
    for (;;) {
        if (i >= n)
            return truncated;
        if (d[i] != 0xFF)
            return "corrupt JPEG (expected a marker at byte " + std::to_string(i) + ")";
        while (i < n && d[i] == 0xFF) // fill bytes before a marker
            ++i;
        if (i >= n)
            return truncated;
        const unsigned char marker = d[i++];
        if (marker == 0xD9) // end of image
            return {};
        if (marker == 0x00)
            return "corrupt JPEG (stuffed byte outside a scan at byte " + std::to_string(i - 1) + ")";
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) // standalone markers
            continue;
        if (i + 2 > n)
            return truncated;
        const size_t len = (size_t(d[i]) << 8) | d[i + 1];
        if (len < 2)
            return "corrupt JPEG (bad segment length at byte " + std::to_string(i) + ")";
        i += len;
        if (i > n)
            return truncated;
        if (marker == 0xDA) {
            // Entropy-coded data: 0xFF is stuffed as FF 00 and restart markers may appear;
            // any other marker ends the scan.
            for (;;) {
                if (i + 1 >= n)
                    return truncated;
                if (d[i] == 0xFF && d[i + 1] != 0x00 && d[i + 1] != 0xFF
                    && !(d[i + 1] >= 0xD0 && d[i + 1] <= 0xD7))
                    break;
                ++i;
            }
        }
    }
}

} // namespace facelab::face
