#pragma once
// What the benchmarks share for putting a speed next to the physical limit: the machine's peak
// float32 GFLOP/s, read from /proc/cpuinfo, and the achieved rate of a measured figure. The work
// itself comes from the graph's own shapes (nn::forwardFlops).
//   peak = cores x clock x FMA units x vector lanes x 2 (an FMA is two FLOPs)
// Assumptions, printed with the figure: 2 FMA units per core (x86 server cores since Haswell and
// Zen 1, AVX-512 ones included); physical cores only (SMT siblings share those units); the
// maximum clock from cpufreq when the kernel exposes it, else /proc/cpuinfo's current "cpu MHz"
// (a VM usually shows only that one).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

namespace facelab::bench {

struct MachinePeak
{
    int cores = 1;
    double ghz = 0;
    int lanes = 4;    // float32 lanes of the widest vector unit
    int fmaUnits = 2; // assumed
    std::string isa = "SSE";
    std::string clockSource;
    double gflops() const { return cores * ghz * fmaUnits * lanes * 2.0; }
    std::string describe() const
    {
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "%.0f GFLOP/s float32 = %d cores x %.2f GHz (%s) x %d FMA units (assumed) x %d lanes (%s) x 2",
                      gflops(), cores, ghz, clockSource.c_str(), fmaUnits, lanes, isa.c_str());
        return buf;
    }
};

inline MachinePeak machinePeak()
{
    MachinePeak m;
    std::ifstream in("/proc/cpuinfo");
    std::string line, flags;
    std::set<std::pair<std::string, std::string>> physical; // (physical id, core id)
    std::string physId;
    int processors = 0;
    double mhz = 0;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        std::string key = line.substr(0, colon);
        key.erase(key.find_last_not_of(" \t") + 1);
        const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : std::string();
        if (key == "processor")
            ++processors;
        else if (key == "physical id")
            physId = value;
        else if (key == "core id")
            physical.insert({physId, value});
        else if (key == "cpu MHz" && mhz == 0)
            mhz = std::atof(value.c_str());
        else if (key == "flags" && flags.empty())
            flags = " " + value + " ";
    }
    m.cores = !physical.empty() ? int(physical.size()) : std::max(1, processors);
    if (m.cores <= 0)
        m.cores = int(std::max(1u, std::thread::hardware_concurrency()));
    auto has = [&flags](const char *f) { return flags.find(std::string(" ") + f + " ") != std::string::npos; };
    if (has("avx512f")) {
        m.lanes = 16;
        m.isa = "AVX-512";
    } else if (has("avx2") && has("fma")) {
        m.lanes = 8;
        m.isa = "AVX2+FMA";
    } else if (has("avx")) {
        m.lanes = 8;
        m.isa = "AVX, no FMA: one add + one mul pipe";
        m.fmaUnits = 1;
    } else {
        m.isa = "SSE, no FMA: one add + one mul pipe";
        m.fmaUnits = 1;
    }
    std::ifstream maxFreq("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
    double khz = 0;
    if (maxFreq >> khz && khz > 0) {
        m.ghz = khz / 1e6;
        m.clockSource = "cpufreq max";
    } else {
        m.ghz = mhz / 1e3;
        m.clockSource = "/proc/cpuinfo cpu MHz";
    }
    return m;
}

// "12.3 GFLOP/s = 3.7% of peak" for `flopsPerItem` of work done `itemsPerSecond` times a second.
inline std::string achieved(double flopsPerItem, double itemsPerSecond, const MachinePeak &peak)
{
    const double g = flopsPerItem * itemsPerSecond / 1e9;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.1f GFLOP/s = %.1f%% of peak", g, peak.gflops() > 0 ? 100 * g / peak.gflops() : 0.0);
    return buf;
}

} // namespace facelab::bench
