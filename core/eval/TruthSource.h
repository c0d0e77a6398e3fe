#pragma once
// Which ground truth an evaluation trusts: the user's verdicts where they exist (else the imported
// truth), or the imported/generated truth only.
#include <QString>
#include <optional>

namespace facelab::eval {

enum class TruthSource { Verdicts, Imported };

QString truthSourceName(TruthSource s);                          // "verdicts" / "imported"
std::optional<TruthSource> truthSourceFromName(const QString &name);

} // namespace facelab::eval
