#pragma once
// The small facelab binary reads image headers with Qt alone. Files only OpenCV reads (WebP and
// TIFF without Qt's plugins, JPEG 2000, EXR, HDR) are probed by the facelab-decoders module
// (decoders_plugin.cpp: OpenCV, as facelab-engine and the face stage decode), loaded the first time
// an import meets one, so no other command pays for OpenCV.
namespace facelab::cli {

// Installs the on-demand loader as the import probe's fallback decoder (data::setFallbackDecoder).
void useDecoderPluginOnDemand();

} // namespace facelab::cli
