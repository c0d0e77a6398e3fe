// Freezing presets by block (TrainingTypes.h). Torch-free: the trainer applies the count to the
// model's parameter groups; the CLI, the dialog and the job's JSON share the names.
#include "TrainingTypes.h"

#include <algorithm>
#include <cmath>

namespace facelab::train {

const char *freezePresetName(FreezePreset p)
{
    switch (p) {
    case FreezePreset::Stem: return "stem";
    case FreezePreset::Early: return "early";
    case FreezePreset::Backbone: return "backbone";
    case FreezePreset::Fraction: break;
    }
    return "fraction";
}

bool freezePresetFromName(const std::string &name, FreezePreset &out)
{
    for (FreezePreset p : {FreezePreset::Fraction, FreezePreset::Stem, FreezePreset::Early, FreezePreset::Backbone})
        if (name == freezePresetName(p)) {
            out = p;
            return true;
        }
    return false;
}

std::size_t frozenBlockCount(FreezePreset preset, double fraction, std::size_t blocks)
{
    if (blocks < 2)
        return 0;
    std::size_t n = 0;
    switch (preset) {
    case FreezePreset::Stem: n = 1; break;
    case FreezePreset::Early: n = (blocks - 1) / 2; break;
    case FreezePreset::Backbone: n = blocks - 1; break;
    case FreezePreset::Fraction: n = std::size_t(std::floor(std::clamp(fraction, 0.0, 1.0) * double(blocks))); break;
    }
    return std::min(n, blocks - 1);
}

} // namespace facelab::train
