"""Writes PyTorch-made state_dicts and logits for ModelGoldenTest, as safetensors (by hand, st_format.py).

Run from the repository root:  /usr/bin/python3 ops/src/test/python/make_model_goldens.py

For each model: <name>.safetensors is model.state_dict() exactly as PyTorch holds it (F32 values,
I64 num_batches_tracked, PyTorch's key order, metadata {"format": "pt"}); <name>.io.safetensors holds
an input batch, the eval-mode logits, the train-mode logits and the BN running stats after that
train-mode forward. BN statistics and affine parameters are randomized first so eval mode is not
an identity.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402
import st_format  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "org", "resnet4j", "ops", "models")

MODELS = [("resnet20", (2, 3, 32, 32)), ("seed-mnist", (2, 1, 28, 28)), ("preact-resnet20", (2, 3, 16, 16))]


# parameters whose gradients are stored: one per kind of place in the network (stem, block convs
# before and after a shape change, BN, head), keeping the files small
GRAD_KEYS = {
    "resnet20": ["conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer2.0.conv1.weight", "layer2.0.bn2.bias",
                 "layer3.2.conv2.weight", "fc.weight", "fc.bias"],
    "seed-mnist": ["conv1.weight", "conv1.bias", "RB1.conv1.weight", "RB1.conv2.bias", "conv2.weight", "RB2.conv2.weight",
                   "linear1.bias", "linear2.weight", "linear2.bias"],
    "preact-resnet20": ["conv1.weight", "layer1.0.bn1.weight", "layer2.0.conv1.weight", "layer2.0.downsample.0.weight",
                        "layer3.2.conv2.weight", "final_bn.weight", "fc.weight"],
}


def randomize_bn(model, g):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = 1 + 0.2 * torch.randn(c, generator=g)
            m.bias.data = 0.1 * torch.randn(c, generator=g)
            m.running_mean.data = 0.1 * torch.randn(c, generator=g)
            m.running_var.data = 0.5 + torch.rand(c, generator=g)
            m.num_batches_tracked.fill_(3)


def main():
    for name, shape in MODELS:
        torch.manual_seed(0)
        g = torch.Generator().manual_seed(1234)
        model = reference_models.build(name)
        randomize_bn(model, g)
        sd = model.state_dict()
        st_format.write(os.path.join(OUT, name + ".safetensors"), list(sd.items()), {"format": "pt"})
        x = torch.randn(*shape, generator=g)
        model.eval()
        with torch.no_grad():
            eval_logits = model(x)
        model.train()
        xg = x.clone().requires_grad_(True)
        train_logits = model(xg)
        # backward of L = sum(train_logits * w): the gradient every block's backward must reproduce
        w = torch.randn(train_logits.shape, generator=g)
        (train_logits * w).sum().backward()
        grads = [("grad." + k, p.grad) for k, p in model.named_parameters() if k in GRAD_KEYS[name]]
        after = [("after_train." + k, v) for k, v in model.state_dict().items() if "running" in k or "num_batches" in k]
        io = ([("input", x), ("eval_logits", eval_logits), ("train_logits", train_logits.detach()), ("dlogits", w),
               ("grad.input", xg.grad)] + grads + after)
        st_format.write(os.path.join(OUT, name + ".io.safetensors"), io, {"format": "pt", "torch": torch.__version__})
        print(name, "eval logits", eval_logits[0, :4].tolist())


if __name__ == "__main__":
    main()
