// checkpointTreeJson: the inspector's view of a checkpoint, as compact JSON.
#include "nn/checkpoint/TorchCheckpoint.h"

#include <cstdio>

namespace facelab::nn::ckpt {

namespace {

// A JSON string literal; invalid UTF-8 bytes become U+FFFD so the output always parses.
void appendString(std::string &out, const std::string &s)
{
    out += '"';
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    const size_t n = s.size();
    for (size_t i = 0; i < n;) {
        const unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
            ++i;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default: {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            }
            }
            ++i;
        } else if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
        } else {
            // Validate one UTF-8 sequence (no overlongs, no surrogates, <= U+10FFFF).
            size_t len = 0;
            uint32_t cp = 0, min = 0;
            if ((c & 0xe0) == 0xc0) len = 2, cp = c & 0x1f, min = 0x80;
            else if ((c & 0xf0) == 0xe0) len = 3, cp = c & 0x0f, min = 0x800;
            else if ((c & 0xf8) == 0xf0) len = 4, cp = c & 0x07, min = 0x10000;
            bool ok = len > 0 && i + len <= n;
            for (size_t k = 1; ok && k < len; ++k) {
                ok = (p[i + k] & 0xc0) == 0x80;
                cp = (cp << 6) | (p[i + k] & 0x3f);
            }
            ok = ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
            if (ok) {
                out.append(s, i, len);
                i += len;
            } else {
                out += "\\ufffd";
                ++i;
            }
        }
    }
    out += '"';
}

} // namespace

std::string jsonQuoted(const std::string &s)
{
    std::string out;
    out.reserve(s.size() + 2);
    appendString(out, s);
    return out;
}

std::string checkpointTreeJson(const Checkpoint &c)
{
    std::string out = "{\"format\":";
    appendString(out, c.format);
    out += ",\"tensors\":" + std::to_string(c.tensors.size());
    out += ",\"tree\":[";
    for (size_t i = 0; i < c.tensors.size(); ++i) {
        const auto &t = c.tensors[i];
        if (i)
            out += ',';
        out += "{\"path\":";
        appendString(out, t.path);
        out += ",\"shape\":[";
        for (size_t d = 0; d < t.shape.size(); ++d)
            out += (d ? "," : "") + std::to_string(t.shape[d]);
        out += "],\"dtype\":";
        appendString(out, dtypeName(t.dtype));
        out += '}';
    }
    out += "],\"scalars\":{";
    for (size_t i = 0; i < c.scalars.size(); ++i) {
        if (i)
            out += ',';
        appendString(out, c.scalars[i].path);
        out += ':';
        appendString(out, c.scalars[i].value);
    }
    out += "}}";
    return out;
}

} // namespace facelab::nn::ckpt
