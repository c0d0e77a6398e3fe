#include "linearizer/LinearizerTypes.h"

#include <map>
#include <sstream>
#include <stdexcept>

namespace facelab::linearizer {

std::string configText(const LinearizerConfig &c)
{
    std::ostringstream s;
    s << "latent=" << c.latent << " embedding=" << c.embeddingDim << " blocks=" << c.blocks << " hidden=" << c.hidden
      << " layers=" << c.couplingLayers << " rank=" << c.rank << " input=" << c.inputChannels << 'x' << c.inputHeight
      << 'x' << c.inputWidth << " encoder=";
    for (size_t i = 0; i < c.encoderChannels.size(); ++i)
        s << (i ? "," : "") << c.encoderChannels[i];
    s << " clamp=" << c.scaleClamp << " seed=" << c.seed;
    return s.str();
}

namespace {

long long toInt(const std::map<std::string, std::string> &kv, const std::string &key)
{
    const auto it = kv.find(key);
    if (it == kv.end())
        throw std::invalid_argument("Linearizer configuration: no '" + key + "'");
    try {
        size_t used = 0;
        const long long v = std::stoll(it->second, &used);
        if (used != it->second.size())
            throw std::invalid_argument("trailing characters");
        return v;
    } catch (const std::exception &) {
        throw std::invalid_argument("Linearizer configuration: '" + key + "' is not an integer: " + it->second);
    }
}

std::vector<long long> intList(const std::string &text, char sep, const std::string &key)
{
    std::vector<long long> out;
    std::stringstream s(text);
    std::string part;
    while (std::getline(s, part, sep)) {
        try {
            size_t used = 0;
            out.push_back(std::stoll(part, &used));
            if (used != part.size())
                throw std::invalid_argument("trailing characters");
        } catch (const std::exception &) {
            throw std::invalid_argument("Linearizer configuration: '" + key + "' is malformed: " + text);
        }
    }
    return out;
}

} // namespace

LinearizerConfig configFromText(const std::string &text)
{
    std::map<std::string, std::string> kv;
    std::istringstream s(text);
    std::string word;
    while (s >> word) {
        const auto eq = word.find('=');
        if (eq == std::string::npos || eq == 0)
            throw std::invalid_argument("Linearizer configuration: '" + word + "' is not key=value");
        kv[word.substr(0, eq)] = word.substr(eq + 1);
    }
    LinearizerConfig c;
    c.latent = int(toInt(kv, "latent"));
    c.embeddingDim = int(toInt(kv, "embedding"));
    c.blocks = int(toInt(kv, "blocks"));
    c.hidden = int(toInt(kv, "hidden"));
    c.couplingLayers = int(toInt(kv, "layers"));
    c.rank = int(toInt(kv, "rank"));
    const auto input = intList(kv.count("input") ? kv["input"] : std::string(), 'x', "input");
    if (input.size() != 3)
        throw std::invalid_argument("Linearizer configuration: 'input' must be CxHxW");
    c.inputChannels = int(input[0]);
    c.inputHeight = int(input[1]);
    c.inputWidth = int(input[2]);
    c.encoderChannels.clear();
    for (long long v : intList(kv.count("encoder") ? kv["encoder"] : std::string(), ',', "encoder"))
        c.encoderChannels.push_back(int(v));
    if (c.encoderChannels.empty())
        throw std::invalid_argument("Linearizer configuration: no encoder channels");
    if (kv.count("clamp")) {
        try {
            c.scaleClamp = std::stod(kv["clamp"]);
        } catch (const std::exception &) {
            throw std::invalid_argument("Linearizer configuration: 'clamp' is not a number");
        }
    }
    c.seed = kv.count("seed") ? std::uint64_t(toInt(kv, "seed")) : 0;
    return c;
}

} // namespace facelab::linearizer
