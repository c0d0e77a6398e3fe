#pragma once
// Synchronous work as a recorded run, for the command line and tests (the GUI's JobQueue records
// the same way, on its worker thread): a RunRecorder for the run, ctx reports its id and mirrors
// its log into it while the work runs, and the outcome is recorded as the queue records it:
//   returns                       -> done (cancelled if the cancel request came first)
//   throws jobs::Cancelled        -> cancelled, rethrown
//   throws std::exception         -> failed with the message in the log, rethrown (a failure to
//                                    record that is dropped: the work's own error is the news)
// On a read-only project nothing is recorded; the work runs and a note on stderr says so.
#include "JobContext.h"
#include "RunRecorder.h"

#include <QJsonObject>
#include <cstdio>
#include <type_traits>
#include <utility>

namespace facelab::jobs {

template <class F>
auto runRecorded(const store::ProjectStore &store, JobKind kind, const QJsonObject &params, PlainJobContext &ctx,
                 F &&work) -> std::invoke_result_t<F &, JobContext &>
{
    using R = std::invoke_result_t<F &, JobContext &>;
    RunRecorder recorder(store, kindId(kind), params);
    if (!recorder.recorded())
        std::fprintf(stderr, "note: %s\n", qPrintable(recorder.note()));
    // ctx points at this run until it ends (a context may serve several runs, one after another).
    struct Recording
    {
        PlainJobContext &ctx;
        const RunRecorder *before;
        ~Recording() { ctx.setRecorder(before); }
    } recording{ctx, ctx.recorder()};
    ctx.setRecorder(&recorder);
    try {
        if constexpr (std::is_void_v<R>) {
            work(static_cast<JobContext &>(ctx));
            recorder.finish(runStatusOf(statusOnReturn(ctx)));
        } else {
            R result = work(static_cast<JobContext &>(ctx));
            recorder.finish(runStatusOf(statusOnReturn(ctx)));
            return result;
        }
    } catch (const Cancelled &) {
        recorder.finish(store::RunStatus::Cancelled);
        throw;
    } catch (const std::exception &e) {
        try {
            recorder.finish(store::RunStatus::Failed, failureReason(e));
        } catch (const std::exception &) {
            // Not even the reserve made room: the run stays 'running' until a later open.
        }
        throw;
    }
}

} // namespace facelab::jobs
