#pragma once
// Where FaceLab finds the files packaging/fetch-models.sh installs (no Qt: usable from core/nn).
// $FACELAB_DATA_DIR, else $XDG_DATA_HOME/FaceLab, else $HOME/.local/share/FaceLab.
#include <cstdlib>
#include <string>

namespace facelab {

inline std::string dataDir()
{
    if (const char *d = std::getenv("FACELAB_DATA_DIR"); d && *d)
        return d;
    if (const char *x = std::getenv("XDG_DATA_HOME"); x && *x)
        return std::string(x) + "/FaceLab";
    const char *home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.local/share/FaceLab";
}

// Folder holding fr_feature.onnx, fr_detect.onnx, fr_landmark.onnx.
inline std::string modelsDir() { return dataDir() + "/models"; }

// Folder holding the demo photos (sample1.jpg .. sample6.jpg of @vladmandic/face-api).
inline std::string samplesDir() { return dataDir() + "/samples/face-api"; }

} // namespace facelab
