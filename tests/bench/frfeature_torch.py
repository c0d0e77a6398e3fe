"""fr_feature.onnx (MobileFaceNet: Conv, PRelu, Add, Reshape) as a plain PyTorch function, for the
benchmarks that compare FaceLab's LibTorch engine with the same graph in Debian's python3-torch."""
import onnx
import torch
from onnx import numpy_helper


class FrFeature:
    def __init__(self, path):
        m = onnx.load(path)
        ops = {n.op_type for n in m.graph.node}
        assert ops <= {"Conv", "PRelu", "Add", "Reshape"}, f"only fr_feature's operators are known, not {ops}"
        self.initializers = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in m.graph.initializer}
        self.nodes = [(n.op_type, list(n.input), n.output[0],
                       {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}) for n in m.graph.node]
        self.input = m.graph.input[0].name
        self.output = m.graph.output[0].name

    def weights(self, channels_last=False, requires_grad=False):
        out = {}
        for k, t in self.initializers.items():
            if t.dtype == torch.float32 and t.dim() == 3:  # PRelu slopes (C,1,1) -> (C) for torch.prelu
                t = t.reshape(-1)
            if channels_last and t.dim() == 4:
                t = t.contiguous(memory_format=torch.channels_last)
            if requires_grad and t.is_floating_point():
                t = t.clone().requires_grad_(True)
            out[k] = t
        return out

    def run(self, x, w, conv_outputs=None):
        """conv_outputs: a list that receives every Conv node's output, input to output."""
        v = {self.input: x}
        for op, ins, out, a in self.nodes:
            i = [v[k] if k in v else w[k] for k in ins]
            if op == "Conv":
                v[out] = torch.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, a["strides"], a["pads"][:2],
                                      a["dilations"], a["group"])
                if conv_outputs is not None:
                    conv_outputs.append(v[out])
            elif op == "PRelu":
                v[out] = torch.prelu(i[0], i[1])
            elif op == "Add":
                v[out] = i[0] + i[1]
            else:  # Reshape [1, -1]: keep the batch
                v[out] = i[0].reshape(x.shape[0], -1)
        return v[self.output]
