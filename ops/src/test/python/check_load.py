"""Loads a state_dict saved by resnet4j into the PyTorch model of the same name, strictly, and prints its
eval-mode logits on the input of a .io.safetensors file, one per line.

    /usr/bin/python3 ops/src/test/python/check_load.py <model name> <state.safetensors> <io.safetensors>
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models  # noqa: E402
import st_format  # noqa: E402

name, state_path, io_path = sys.argv[1:4]
model = reference_models.build(name)
state, meta = st_format.read(state_path)
model.load_state_dict(state, strict=True)
io, _ = st_format.read(io_path)
model.eval()
with torch.no_grad():
    logits = model(io["input"])
for v in logits.flatten().tolist():
    print(repr(v))
