#include "nn/OnnxReexport.h"

#include "nn/Engine.h"
#include "nn/OnnxExport.h"
#include "nn/OnnxGraphModule.h"
#include "nn/OnnxImportReport.h"

namespace facelab::nn {

double reexportOnnx(const std::string &srcOnnx, const std::string &dstOnnx)
{
    initEngine();
    OnnxGraphModule module(srcOnnx);
    exportOnnx(*module, dstOnnx);
    return maxAbsDiffVsOpenCV(*module, dstOnnx);
}

} // namespace facelab::nn
