#pragma once
// The evaluated pairs as CSV (path1,path2,truth,score), for plotting or checking elsewhere.
#include "EvalPairs.h"

namespace facelab::eval {

// Written atomically; truth is 1 (same) or 0. Throws EvalError when the file cannot be written.
void writeScoresCsv(const store::ProjectStore &st, const EvalPairs &pairs, const QString &file);

} // namespace facelab::eval
