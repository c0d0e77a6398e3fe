#pragma once
// Errors of the face stage. Every message names the file involved, so an import over thousands
// of images can report exactly which one failed and why.
#include <stdexcept>
#include <string>

namespace facelab::face {

class FaceError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// A model file the face stage needs is not on disk (packaging/fetch-models.sh installs them).
class FaceModelsMissing : public FaceError
{
public:
    explicit FaceModelsMissing(const std::string &path)
        : FaceError("face model missing: " + path
                    + " (install the models with packaging/fetch-models.sh)"),
          m_path(path)
    {
    }
    const std::string &path() const { return m_path; }

private:
    std::string m_path;
};

// A model file is present but OpenCV cannot load it or its outputs are not what we decode.
class FaceModelInvalid : public FaceError
{
public:
    using FaceError::FaceError;
};

// An image file that cannot be read or decoded (missing, empty, not an image, corrupt, truncated).
class FaceImageError : public FaceError
{
public:
    FaceImageError(const std::string &path, const std::string &reason)
        : FaceError("cannot read image " + path + ": " + reason), m_path(path)
    {
    }
    const std::string &path() const { return m_path; }

private:
    std::string m_path;
};

} // namespace facelab::face
