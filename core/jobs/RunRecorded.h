#pragma once
// Synchronous work as a recorded run, for the command line and tests (the GUI's JobQueue records
// the same way, on its worker thread): a RunRecorder for the run, ctx reports its id and mirrors
// its log into it while the work runs, and the outcome is recorded as the queue records it:
//   returns                       -> done (cancelled if the cancel request came first)
//   throws jobs::Cancelled        -> cancelled, rethrown
//   throws std::exception         -> failed with the message in the log, rethrown
#include "JobContext.h"
#include "RunRecorder.h"

#include <QJsonObject>
#include <type_traits>
#include <utility>

namespace facelab::jobs {

template <class F>
auto runRecorded(const store::ProjectStore &store, JobKind kind, const QJsonObject &params, PlainJobContext &ctx,
                 F &&work) -> std::invoke_result_t<F &, JobContext &>
{
    using R = std::invoke_result_t<F &, JobContext &>;
    RunRecorder recorder(store, kindId(kind), params);
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
        recorder.finish(store::RunStatus::Failed, QString::fromUtf8(e.what()));
        throw;
    }
}

} // namespace facelab::jobs
