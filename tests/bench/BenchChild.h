#pragma once
// What the benchmarks share for running their Python reference as a child process.
#include <cstdio>
#include <string>
#include <vector>

namespace facelab::bench {

// Runs a command through the shell; returns its output lines (stdout and stderr) and sets `status`
// (pclose's, -1 when it could not start).
inline std::vector<std::string> runLines(const std::string &cmd, int &status)
{
    std::vector<std::string> lines;
    FILE *p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) {
        status = -1;
        return lines;
    }
    char buf[1024];
    while (fgets(buf, sizeof buf, p)) {
        std::string s = buf;
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
            s.pop_back();
        lines.push_back(s);
    }
    status = pclose(p);
    return lines;
}

} // namespace facelab::bench
