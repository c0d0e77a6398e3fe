#pragma once
// The small facelab binary (no LibTorch, no OpenCV: it starts in milliseconds) answers the
// commands that need no model; everything else (the GUI, model, embed, faces, finetune, ...) is
// handed to facelab-engine by exec: the same process id, arguments, standard streams and exit code,
// so scripts and desktop launchers cannot tell the two apart.
namespace facelab::cli {

// Thrown by a command of the small binary when this command line needs the engine (e.g. queue --mine).
struct EngineNeeded
{
};

// Replaces this process by facelab-engine with the same arguments. Looks at $FACELAB_ENGINE, then
// beside this executable, then ../lib/facelab/ (the installed layout). Returns only when none can be
// started, after printing why; the caller exits with 127 then, as a shell does.
void execEngine(char **argv);

} // namespace facelab::cli
