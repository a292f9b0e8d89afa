"""Multiply-accumulates of every Conv2d and Linear in a forward pass (the column torchinfo calls
Mult-Adds, without its BatchNorm term), and the output shapes, for ModelSummaryTest.

    /usr/bin/python3 ops/src/test/python/count_macs.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402

CASES = [("resnet18", (1, 3, 64, 64)), ("resnet20", (2, 3, 32, 32)), ("seed-mnist", (1, 1, 28, 28)),
         ("resnet50", (1, 3, 224, 224))]

for name, shape in CASES:
    model = reference_models.build(name).eval()
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, torch.nn.Conv2d):
            total[0] += out.numel() * (m.weight.numel() // m.out_channels)
        elif isinstance(m, torch.nn.Linear):
            total[0] += out.numel() * m.in_features

    for m in model.modules():
        m.register_forward_hook(hook)
    with torch.no_grad():
        y = model(torch.zeros(shape))
    print(name, shape, "macs", total[0], "out", tuple(y.shape))
