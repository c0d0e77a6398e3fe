#pragma once
// The one exception type of the model engine. what() reads "<file>: <problem>" so a dialog or a
// log line always says which model file failed and why.
#include <stdexcept>
#include <string>
#include <vector>

namespace facelab::nn {

class ModelError : public std::runtime_error
{
public:
    ModelError(std::string file, std::string problem)
        : std::runtime_error(file + ": " + problem), m_file(std::move(file)), m_problem(std::move(problem))
    {
    }
    const std::string &file() const { return m_file; }
    const std::string &problem() const { return m_problem; }

private:
    std::string m_file;
    std::string m_problem;
};

// A graph that uses operators the executor does not implement. The model is refused as a whole.
class UnsupportedOpsError : public ModelError
{
public:
    UnsupportedOpsError(std::string file, std::vector<std::string> ops)
        : ModelError(std::move(file), "unsupported ONNX operators: " + join(ops)), m_ops(std::move(ops))
    {
    }
    const std::vector<std::string> &ops() const { return m_ops; }

private:
    static std::string join(const std::vector<std::string> &ops)
    {
        std::string s;
        for (const auto &op : ops)
            s += (s.empty() ? "" : ", ") + op;
        return s;
    }
    std::vector<std::string> m_ops;
};

} // namespace facelab::nn
