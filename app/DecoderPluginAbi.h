#pragma once
// The C entry point of the facelab-decoders module (a plain C signature, so loading it needs no
// C++ ABI agreement beyond the compiler's C calling convention).
extern "C" {
// Decodes the image at pathUtf8 to learn its size. Returns 1 and sets *width, *height; or returns 0
// and writes the reason (UTF-8, NUL-terminated, at most whyCapacity bytes) to why.
typedef int (*FacelabImageSizeFn)(const char *pathUtf8, const char *sniffedFormat, int *width, int *height, char *why,
                                  int whyCapacity);
}
inline constexpr const char *kFacelabImageSizeSymbol = "facelab_image_size";
