"""Writes ops/src/test/resources/org/resnet4j/ops/io/pytorch_dtypes.safetensors with real PyTorch.

Run from the repository root:  /usr/bin/python3 ops/src/test/python/make_safetensors.py
SafeTensorsTest reads the file, checks the values and re-saves it byte for byte.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_format  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "org", "resnet4j", "ops", "io",
                   "pytorch_dtypes.safetensors")

g = torch.Generator().manual_seed(20240)
base = torch.randn(2, 3, generator=g)
tensors = [
    ("f64", torch.randn(3, 2, generator=g, dtype=torch.float64)),
    ("f32", base),
    ("f16", base.half()),
    ("bf16", base.bfloat16()),
    ("i64", torch.tensor([0, -1, 2**40, -(2**62)], dtype=torch.int64)),
    ("scalar_i64", torch.tensor(7, dtype=torch.int64)),
    ("empty_f32", torch.zeros(0, 4)),
    ("special_f32", torch.tensor([float("inf"), float("-inf"), -0.0, 1e-45], dtype=torch.float32)),
]
st_format.write(OUT, tensors, {"format": "pt", "writer": "make_safetensors.py"})
print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes")
for name, t in tensors:
    print(name, t.dtype, tuple(t.shape), t.flatten().tolist())
