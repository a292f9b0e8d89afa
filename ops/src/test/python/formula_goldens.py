"""Goldens for models whose weights both sides can compute from a formula, so no weight file is needed:
every parameter and BatchNorm statistic is set from integer hashing of its state_dict name and index
(exact in float64 on both sides, then rounded to float32), the same way DeterministicWeights.java does.

    /usr/bin/python3 ops/src/test/python/formula_goldens.py

Writes ops/src/test/resources/org/resnet4j/ops/models/formula/<case>.safetensors with the input, the eval-mode
logits, dlogits, the input gradient and a sample of parameter gradients of sum(eval_logits * dlogits).
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402
import st_format  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "org", "resnet4j", "ops", "models", "formula")


def java_hash(name):
    h = 0
    for c in name:
        h = (31 * h + ord(c)) & 0xFFFFFFFF
    return h


def uniform(name, n):
    """u_i in [-0.5, 0.5): ((i * 2654435761 + hash(name)) mod 2^32) / 2^32 - 0.5, exact in float64."""
    i = np.arange(n, dtype=np.int64)
    return ((i * 2654435761 + java_hash(name)) & 0xFFFFFFFF).astype(np.float64) / 4294967296.0 - 0.5


def value(name, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    u = uniform(name, n)
    if name.endswith("running_var"):
        v = 1.0 + u
    elif name.endswith("running_mean"):
        v = 0.2 * u
    elif len(shape) == 1 and name.endswith("weight"):
        v = 1.0 + 0.4 * u
    elif len(shape) == 1:
        v = 0.2 * u
    else:
        fan_in = int(np.prod(shape[1:]))
        v = 2.0 * u * np.sqrt(6.0 / fan_in)
    return torch.from_numpy(v.reshape(shape)).float()


def fill(model):
    with torch.no_grad():
        for k, t in model.state_dict().items():
            if k.endswith("num_batches_tracked"):
                continue
            t.copy_(value(k, tuple(t.shape)))


# name in the zoo, options for the PyTorch builder, input shape
CASES = [
    ("resnet20-b", {}, (2, 3, 16, 16)),
    ("plain20", {"in_channels": 1, "num_classes": 4}, (2, 1, 12, 12)),
    ("preact-resnet164", {}, (2, 3, 8, 8)),
    ("preact-resnet18", {"num_classes": 5}, (2, 3, 32, 32)),
    ("resnet18", {"num_classes": 6, "in_channels": 1}, (2, 1, 32, 32)),
    ("resnext50_32x4d", {"num_classes": 3, "replace_stride_with_dilation": [False, True, True]}, (2, 3, 32, 32)),
    ("seed-bottleneck", {}, (2, 64, 6, 6)),
    ("seed-cifar-resnet", {}, (2, 3, 32, 32)),
    ("seed-tf-cifar", {}, (2, 3, 16, 16)),
    ("seed-d2l-resnet18", {}, (2, 1, 32, 32)),
]


def build(name, opts):
    tv = torchvision_names = ("resnet18", "resnext50_32x4d")
    if name in tv:
        import torchvision
        kw = dict(opts)
        inc = kw.pop("in_channels", 3)
        m = getattr(torchvision.models, name)(**kw)
        if inc != 3:
            m.conv1 = torch.nn.Conv2d(inc, 64, 7, 2, 3, bias=False)
        return m
    if name in ("plain20",):
        return reference_models.CifarResNet(20, residual=False, num_classes=opts.get("num_classes", 10),
                                            in_channels=opts.get("in_channels", 3))
    if name == "preact-resnet18":
        return reference_models.PreActResNet(reference_models.PreActBasicBlock, [2, 2, 2, 2], False, opts["num_classes"])
    return reference_models.build(name)


def sample_grads(model):
    named = [(k, p) for k, p in model.named_parameters()]
    picked = [named[0], named[-1], named[-2]]
    small = [(k, p) for k, p in named[1:-2] if p.numel() <= 20000]
    step = max(1, len(small) // 12)
    picked += small[::step]
    return [("grad." + k, p.grad) for k, p in picked]


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, opts, shape in CASES:
        model = build(name, opts)
        fill(model)
        x = value("input", shape)
        # Eval mode only: train-mode BatchNorm over the few values per channel that these small inputs
        # leave in the last stages (2 for resnet18 on 32x32) is too ill-conditioned for a float32
        # comparison; train-mode BN is checked by make_model_goldens.py on inputs where it is not.
        model.eval()
        xg = x.clone().requires_grad_(True)
        eval_logits = model(xg)
        w = value("dlogits", tuple(eval_logits.shape))
        (eval_logits * w).sum().backward()
        tensors = [("input", x), ("eval_logits", eval_logits.detach()), ("dlogits", w),
                   ("grad.input", xg.grad)] + sample_grads(model)
        st_format.write(os.path.join(OUT, name + ".safetensors"), tensors, {"torch": torch.__version__})
        print(name, tuple(eval_logits.shape), len(tensors), "tensors")


if __name__ == "__main__":
    main()
