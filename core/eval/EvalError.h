#pragma once
#include <QString>
#include <stdexcept>

namespace facelab::eval {

// Thrown when an evaluation or export cannot give a trustworthy answer (no pairs with truth,
// one class only, NaN scores, an unwritable output folder); what() says what and why.
class EvalError : public std::runtime_error
{
public:
    explicit EvalError(const QString &message) : std::runtime_error(message.toStdString()) {}
};

} // namespace facelab::eval
