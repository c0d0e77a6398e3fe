#include "EngineHandover.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

namespace facelab::cli {

namespace {
// The folder of the running executable (not argv[0], which may be a bare name or a link).
std::string executableDir()
{
    char buf[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return {};
    std::string path(buf, size_t(n));
    return path.substr(0, path.rfind('/'));
}
} // namespace

void execEngine(char **argv)
{
    std::vector<std::string> candidates;
    if (const char *env = std::getenv("FACELAB_ENGINE"); env && *env)
        candidates.emplace_back(env);
    const std::string dir = executableDir();
    if (!dir.empty()) {
        candidates.push_back(dir + "/facelab-engine");
        candidates.push_back(dir + "/../lib/facelab/facelab-engine");
    }
    std::string tried;
    for (const std::string &c : candidates) {
        ::execv(c.c_str(), argv);   // returns only on failure
        tried += "\n  " + c + ": " + std::strerror(errno);
    }
    std::fprintf(stderr, "facelab: this command needs the model engine (facelab-engine), which cannot be started:%s\n"
                         "Reinstall FaceLab, or set FACELAB_ENGINE to the facelab-engine executable.\n",
                 tried.c_str());
}

} // namespace facelab::cli
