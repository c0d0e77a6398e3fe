#include "nn/Preprocessing.h"

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <cctype>
#include <cstdio>
#include <map>
#include <stdexcept>

namespace facelab::nn {

Preprocessing Preprocessing::frFeature()
{
    Preprocessing p;
    p.order = ChannelOrder::RGB;
    p.mean = {127.f, 127.f, 127.f};
    p.stdDev = {128.f, 128.f, 128.f};
    return p;
}

Preprocessing Preprocessing::insightFaceArcFace()
{
    Preprocessing p;
    p.order = ChannelOrder::RGB;
    p.mean = {127.5f, 127.5f, 127.5f};
    p.stdDev = {127.5f, 127.5f, 127.5f};
    return p;
}

Preprocessing Preprocessing::magFace()
{
    Preprocessing p;
    p.order = ChannelOrder::BGR;
    p.mean = {0.f, 0.f, 0.f};
    p.stdDev = {255.f, 255.f, 255.f};
    return p;
}

bool Preprocessing::operator==(const Preprocessing &o) const
{
    return order == o.order && mean == o.mean && stdDev == o.stdDev && width == o.width && height == o.height;
}

namespace {

std::string number(float v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", double(v)); // 9 digits: floats survive the round trip
    return buf;
}

std::string triple(const std::array<float, 3> &a)
{
    return "[" + number(a[0]) + "," + number(a[1]) + "," + number(a[2]) + "]";
}

// Just enough JSON for one flat object of strings, numbers and number arrays.
class JsonReader
{
public:
    explicit JsonReader(const std::string &s) : m_s(s) {}

    struct Value
    {
        std::string text;           // strings
        std::vector<double> numbers; // a number is a one-element list
        bool isString = false;
    };

    std::map<std::string, Value> object()
    {
        std::map<std::string, Value> out;
        expect('{');
        if (peek() == '}') {
            ++m_pos;
            return out;
        }
        for (;;) {
            const std::string key = string();
            expect(':');
            out[key] = value();
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            expect('}');
            break;
        }
        if (peek() != '\0')
            error("trailing characters");
        return out;
    }

private:
    [[noreturn]] void error(const std::string &what) const
    {
        throw std::invalid_argument("preprocessing JSON: " + what + " at offset " + std::to_string(m_pos));
    }
    char peek()
    {
        while (m_pos < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_pos])))
            ++m_pos;
        return m_pos < m_s.size() ? m_s[m_pos] : '\0';
    }
    void expect(char c)
    {
        if (peek() != c)
            error(std::string("expected '") + c + "'");
        ++m_pos;
    }
    std::string string()
    {
        expect('"');
        std::string out;
        while (m_pos < m_s.size() && m_s[m_pos] != '"') {
            if (m_s[m_pos] == '\\')
                error("escapes are not supported");
            out += m_s[m_pos++];
        }
        expect('"');
        return out;
    }
    double num()
    {
        peek();
        const char *begin = m_s.c_str() + m_pos;
        char *end = nullptr;
        const double v = std::strtod(begin, &end);
        if (end == begin)
            error("expected a number");
        m_pos += size_t(end - begin);
        return v;
    }
    Value value()
    {
        Value v;
        const char c = peek();
        if (c == '"') {
            v.text = string();
            v.isString = true;
        } else if (c == '[') {
            ++m_pos;
            if (peek() != ']')
                for (;;) {
                    v.numbers.push_back(num());
                    if (peek() == ',') {
                        ++m_pos;
                        continue;
                    }
                    break;
                }
            expect(']');
        } else {
            v.numbers.push_back(num());
        }
        return v;
    }

    const std::string &m_s;
    size_t m_pos = 0;
};

} // namespace

std::string Preprocessing::toJson() const
{
    return std::string("{\"channel_order\":\"") + (order == ChannelOrder::RGB ? "RGB" : "BGR") + "\",\"mean\":" +
           triple(mean) + ",\"std\":" + triple(stdDev) + ",\"width\":" + std::to_string(width) +
           ",\"height\":" + std::to_string(height) + "}";
}

Preprocessing Preprocessing::fromJson(const std::string &json)
{
    const auto obj = JsonReader(json).object();
    auto get = [&](const char *key) -> const JsonReader::Value & {
        const auto it = obj.find(key);
        if (it == obj.end())
            throw std::invalid_argument(std::string("preprocessing JSON: missing \"") + key + "\"");
        return it->second;
    };
    auto three = [&](const char *key) {
        const auto &v = get(key);
        if (v.isString || v.numbers.size() != 3)
            throw std::invalid_argument(std::string("preprocessing JSON: \"") + key + "\" must hold 3 numbers");
        return std::array<float, 3>{float(v.numbers[0]), float(v.numbers[1]), float(v.numbers[2])};
    };
    auto size = [&](const char *key) {
        const auto &v = get(key);
        if (v.isString || v.numbers.size() != 1 || v.numbers[0] < 1 || v.numbers[0] > 4096 ||
            v.numbers[0] != double(int(v.numbers[0])))
            throw std::invalid_argument(std::string("preprocessing JSON: \"") + key + "\" must be a positive integer");
        return int(v.numbers[0]);
    };
    Preprocessing p;
    const auto &order = get("channel_order");
    if (!order.isString || (order.text != "RGB" && order.text != "BGR"))
        throw std::invalid_argument("preprocessing JSON: \"channel_order\" must be \"RGB\" or \"BGR\"");
    p.order = order.text == "RGB" ? ChannelOrder::RGB : ChannelOrder::BGR;
    p.mean = three("mean");
    p.stdDev = three("std");
    for (float s : p.stdDev)
        if (s == 0.f)
            throw std::invalid_argument("preprocessing JSON: \"std\" must not contain 0");
    p.width = size("width");
    p.height = size("height");
    return p;
}

cv::Mat facesToBlob(const std::vector<cv::Mat> &faces, const Preprocessing &spec)
{
    const int n = int(faces.size()), h = spec.height, w = spec.width;
    const int dims[4] = {n, 3, h, w};
    if (n == 0)
        return cv::Mat();
    cv::Mat blob(4, dims, CV_32F);
    float stdv[3], mean[3];
    int src[3]; // BGR pixel channel feeding network channel c
    for (int c = 0; c < 3; ++c) {
        stdv[c] = spec.stdDev[size_t(c)];
        mean[c] = spec.mean[size_t(c)];
        src[c] = spec.order == ChannelOrder::RGB ? 2 - c : c;
    }
    for (int i = 0; i < n; ++i) {
        const cv::Mat &face = faces[size_t(i)];
        if (face.empty() || face.type() != CV_8UC3)
            throw std::invalid_argument("face " + std::to_string(i) + " is not an 8-bit 3-channel BGR image");
        cv::Mat img = face;
        if (face.cols != w || face.rows != h)
            cv::resize(face, img, cv::Size(w, h), 0, 0, face.cols > w ? cv::INTER_AREA : cv::INTER_LINEAR);
        float *out = blob.ptr<float>(i);
        for (int y = 0; y < h; ++y) {
            const uint8_t *row = img.ptr<uint8_t>(y);
            for (int x = 0; x < w; ++x)
                for (int c = 0; c < 3; ++c)
                    out[(size_t(c) * h + y) * w + x] = (float(row[3 * x + src[c]]) - mean[c]) / stdv[c];
        }
    }
    return blob;
}

at::Tensor facesToTensor(const std::vector<cv::Mat> &faces, const Preprocessing &spec)
{
    if (faces.empty())
        return torch::empty({0, 3, spec.height, spec.width}, torch::kFloat);
    cv::Mat blob = facesToBlob(faces, spec);
    return torch::from_blob(blob.ptr<float>(), {int64_t(faces.size()), 3, spec.height, spec.width}, torch::kFloat).clone();
}

} // namespace facelab::nn
