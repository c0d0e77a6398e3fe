#include "linearizer/LinearizerCheckpoint.h"

#include "train/TrainCheckpoint.h"

namespace facelab::linearizer {

void saveLinearizerCheckpoint(const std::string &path, LinearizerModel &model, torch::optim::Adam &optimizer,
                              LinearizerModel &best, const LinearizerCheckpoint &where)
{
    torch::serialize::OutputArchive out, m, o, b;
    model->save(m);
    optimizer.save(o);
    best->save(b);
    out.write("model", m);
    out.write("optimizer", o);
    out.write("best", b);
    out.write("epoch", torch::tensor(int64_t(where.epoch)));
    out.write("best_epoch", torch::tensor(int64_t(where.bestEpoch)));
    out.write("best_loss", torch::tensor(where.bestLoss, torch::kDouble));
    train::saveArchiveAtomically(out, path);
}

LinearizerCheckpoint loadLinearizerCheckpoint(const std::string &path, const torch::Device &device, LinearizerModel &model,
                                              torch::optim::Adam &optimizer, LinearizerModel &best)
{
    torch::serialize::InputArchive in, m, o, b;
    in.load_from(path, device);
    in.read("model", m);
    model->load(m);
    in.read("optimizer", o);
    optimizer.load(o);
    in.read("best", b);
    best->load(b);
    torch::Tensor epoch, bestEpoch, bestLoss;
    in.read("epoch", epoch);
    in.read("best_epoch", bestEpoch);
    in.read("best_loss", bestLoss);
    return {int(epoch.item<int64_t>()), int(bestEpoch.item<int64_t>()), bestLoss.item<double>()};
}

} // namespace facelab::linearizer
