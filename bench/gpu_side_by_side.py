"""The OpenCL half of our benchmarks next to PyTorch on CUDA, on the same GPU in the same sitting.

PyTorch runs in strict float32 (TF32 off for matrix products and cuDNN), the arithmetic our OpenCL
kernels do; cuDNN may pick its fastest algorithm (cudnn.benchmark), as a user's training script would.
Our side is JMH's JSON from GemmBench / ModelBench run with -p device=opencl...

Usage: gpu_side_by_side.py JMH_JSON   (called by gpu_side_by_side.sh, which runs JMH first)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from side_by_side import best_time, cifar_resnet20  # noqa: E402  (same statistic; same layers as our resnet20)


def ours(path):
    with open(path) as f:
        runs = json.load(f)
    res = {}
    for r in runs:
        cls, method = r["benchmark"].rsplit(".", 2)[-2:]
        p = r.get("params", {})
        if cls == "GemmBench":
            res[("sgemm", p["shape"])] = r["secondaryMetrics"]["gflop"]["score"]
        elif cls == "ModelBench":
            kind = "inference" if method == "inference" else "train step"
            res[(kind, p["model"])] = r["secondaryMetrics"]["images"]["score"]
    return res


def cuda_time(torch, fn):
    """side_by_side's statistic with each call ending when the device is idle, like JMH's on our side."""
    def synced():
        fn()
        torch.cuda.synchronize()
    return best_time(synced, min_time=3.0)


def model(torch, name):
    import torchvision
    if name == "resnet20":
        return cifar_resnet20(torch), 32
    return getattr(torchvision.models, name)(), 224


def theirs(torch, case):
    kind, what = case
    dev = torch.device("cuda")
    if kind == "sgemm":
        parts = [int(v) for v in what.split("x")]
        m, n, k = parts * 3 if len(parts) == 1 else parts  # "S" is S x S x S, else "MxNxK"
        a = torch.rand(m, k, device=dev) * 2 - 1
        b = torch.rand(k, n, device=dev) * 2 - 1
        return 2.0 * m * n * k / cuda_time(torch, lambda: torch.mm(a, b)) / 1e9
    name, batch = what.rsplit("_", 1)
    batch = int(batch)
    m, side = model(torch, name)
    m = m.to(dev)
    x = torch.randn(batch, 3, side, side, device=dev)
    y = torch.arange(batch, device=dev) % 10
    if kind == "inference":
        m.eval()

        def infer():
            with torch.no_grad():
                m(x).cpu()  # our side reads the logits back too
        return batch / cuda_time(torch, infer)
    m.train()
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
        loss.item()  # our side reads the loss back too
    return batch / cuda_time(torch, step)


def main():
    import torch
    if not torch.cuda.is_available():
        sys.exit("gpu_side_by_side: PyTorch sees no CUDA device")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    mine = ours(sys.argv[1])
    print()
    print("%-28s %14s %14s %7s" % ("case", "ours (OpenCL)", "PyTorch CUDA", "ratio"))
    for case, our in mine.items():
        their = theirs(torch, case)
        unit = "GF" if case[0] == "sgemm" else "im"
        print("%-28s %11.1f %s %11.1f %s %6.2fx" % ("%s %s" % case, our, unit, their, unit, our / their))
    print()
    print("units: GF = GFLOP/s (2*M*N*K), im = images/s")
    print("reference: torch %s, %s, TF32 off, cudnn.benchmark on" % (torch.__version__, torch.cuda.get_device_name()))


if __name__ == "__main__":
    main()
