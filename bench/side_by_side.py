"""Runs the bench cases through PyTorch (2 threads) and numpy/OpenBLAS, then prints one table next to
our JMH results (read from the JSON file JMH wrote in the same sitting).

Usage: side_by_side.py JMH_JSON   (called by side_by_side.sh, which runs JMH first)
       side_by_side.py --model resnet20_128|resnet50_8 inference|train SECONDS [WARMUP_SECONDS]   (one model's
       images/s; called by models_alternating.sh)
"""
import ctypes
import json
import os
import sys
import time

GEMM_SIZES = [256, 512, 1024, 2048]
CONVS = {
    # name: (n, cin, hw, cout, k, stride, pad)
    "3x3_64_64_56": (8, 64, 56, 64, 3, 1, 1),
    "1x1_256_64_56": (8, 256, 56, 64, 1, 1, 0),
    "3x3_128_128_28": (8, 128, 28, 128, 3, 1, 1),
    "7x7s2_3_64_224": (8, 3, 224, 64, 7, 2, 3),
    "3x3s2_128_128_56": (8, 128, 56, 128, 3, 2, 1),
    "1x1s2_256_512_56": (8, 256, 56, 512, 1, 2, 0),
    "r20_3x3_16_32": (128, 16, 32, 16, 3, 1, 1),
    "r20_3x3_32_16": (128, 32, 16, 32, 3, 1, 1),
    "r20_3x3_64_8": (128, 64, 8, 64, 3, 1, 1),
}
BN_SHAPES = ["8_64_56", "8_256_56", "128_16_32"]


def best_time(fn, min_time=5.0, warmup=3, warmup_time=0.0):
    """Mean seconds per call over at least min_time of calls, after warm-up (warmup calls and at least
    warmup_time seconds): the same statistic as JMH's throughput mode (total calls / total time), so a busy
    machine weighs on both sides alike."""
    start = time.perf_counter()
    done = 0
    while done < warmup or time.perf_counter() - start < warmup_time:
        fn()
        done += 1
    calls = 0
    start = time.perf_counter()
    while time.perf_counter() - start < min_time or calls < 3:
        fn()
        calls += 1
    return (time.perf_counter() - start) / calls


def conv_flops(n, cin, hw, cout, k, stride, pad):
    out = (hw + 2 * pad - k) // stride + 1
    return 2 * n * cout * out * out * cin * k * k


def numpy_gemm():
    import numpy as np
    try:
        lib = ctypes.CDLL("libblas.so.3")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        info = "%s, core %s, %d threads" % (lib.openblas_get_config().decode(), lib.openblas_get_corename().decode(),
                                             lib.openblas_get_num_threads())
    except (OSError, AttributeError):
        info = "BLAS behind numpy is not OpenBLAS"
    res = {}
    rng = np.random.default_rng(0)
    for s in GEMM_SIZES:
        a = rng.uniform(-1, 1, (s, s)).astype(np.float32)
        b = rng.uniform(-1, 1, (s, s)).astype(np.float32)
        c = np.empty((s, s), np.float32)
        t = best_time(lambda: np.matmul(a, b, out=c))
        res["sgemm %d" % s] = 2.0 * s ** 3 / t / 1e9
    return res, info


def torch_cases():
    import torch
    torch.set_num_threads(2)
    torch.manual_seed(0)
    res = {}
    with torch.no_grad():
        for name, (n, cin, hw, cout, k, stride, pad) in CONVS.items():
            x = torch.randn(n, cin, hw, hw)
            conv = torch.nn.Conv2d(cin, cout, k, stride, pad, bias=False)
            t = best_time(lambda: conv(x))
            res["conv %s fwd" % name] = conv_flops(n, cin, hw, cout, k, stride, pad) / t / 1e9
    for name, (n, cin, hw, cout, k, stride, pad) in CONVS.items():
        x = torch.randn(n, cin, hw, hw, requires_grad=True)
        conv = torch.nn.Conv2d(cin, cout, k, stride, pad, bias=False)
        out = (hw + 2 * pad - k) // stride + 1
        dy = torch.randn(n, cout, out, out)

        def step():
            x.grad = None
            conv.weight.grad = None
            conv(x).backward(dy)
        t = best_time(step)
        res["conv %s fwd+bwd" % name] = 3 * conv_flops(n, cin, hw, cout, k, stride, pad) / t / 1e9
    for shape in BN_SHAPES:
        n, c, hw = (int(v) for v in shape.split("_"))
        x = torch.randn(n, c, hw, hw, requires_grad=True)
        bn = torch.nn.BatchNorm2d(c)
        dy = torch.randn(n, c, hw, hw)

        def step():
            x.grad = None
            bn.weight.grad = None
            bn.bias.grad = None
            bn(x).backward(dy)
        res["batchnorm %s fwd+bwd" % shape] = best_time(step) * 1e3
    res.update(torch_models(torch))
    return res, "torch %s, %d threads" % (torch.__version__, torch.get_num_threads())


def cifar_resnet20(torch, in_channels=3):
    """He et al. 2015's CIFAR ResNet-20 (option A shortcuts), the same layers as resnet4j's resnet20."""
    nn, F = torch.nn, torch.nn.functional

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.pad = cout - cin
            self.stride = stride

        def forward(self, x):
            out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
            short = x
            if self.stride != 1 or self.pad:
                short = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
            return F.relu(out + short)

    layers = [nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for cout, stride in ((16, 1), (32, 2), (64, 2)):
        for i in range(3):
            layers.append(Block(cin, cout, stride if i == 0 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


def torch_model(torch, name):
    """(module, batch, side) of a model case, or None without torchvision for ResNet-50."""
    if name == "resnet20_128":
        return cifar_resnet20(torch), 128, 32
    try:
        import torchvision
    except ImportError:
        print("torchvision is not installed: no PyTorch ResNet-50 reference (apt-get install python3-torchvision)", file=sys.stderr)
        return None
    return torchvision.models.resnet50(), 8, 224


def torch_model_throughput(torch, name, mode, min_time=5.0, warmup_time=0.0):
    """Images/s of an eval-mode forward (mode "inference") or of a training step (zero_grad, forward,
    cross-entropy, backward, SGD with momentum 0.9 and weight decay 5e-4), as ModelBench measures ours."""
    m, n, side = torch_model(torch, name)
    x = torch.randn(n, 3, side, side)
    y = torch.arange(n) % 10
    if mode == "inference":
        m.eval()
        with torch.no_grad():
            return n / best_time(lambda: m(x), min_time, warmup_time=warmup_time)
    m.train()
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
        opt.step()
    return n / best_time(step, min_time, warmup_time=warmup_time)


def torch_models(torch):
    res = {}
    for name in ("resnet20_128", "resnet50_8"):
        if torch_model(torch, name) is None:
            continue
        for mode, label in (("inference", "inference"), ("train", "train step")):
            res["model %s %s" % (name, label)] = torch_model_throughput(torch, name, mode)
    return res


def ours(path):
    with open(path) as f:
        runs = json.load(f)
    res = {}
    for r in runs:
        bench = r["benchmark"].rsplit(".", 2)
        cls, method = bench[-2], bench[-1]
        p = r.get("params", {})
        if cls == "GemmBench":
            if "x" not in p["shape"]:
                res["sgemm %s" % p["shape"]] = r["secondaryMetrics"]["gflop"]["score"]
        elif cls == "ConvBench":
            kind = "fwd" if method == "forward" else "fwd+bwd"
            res["conv %s %s" % (p["conv"], kind)] = r["secondaryMetrics"]["gflop"]["score"]
        elif cls == "ModelBench":
            kind = "inference" if method == "inference" else "train step"
            res["model %s %s" % (p["model"], kind)] = r["secondaryMetrics"]["images"]["score"]
        elif cls == "BatchNormBench":
            res["batchnorm %s fwd+bwd" % p["shape"]] = r["primaryMetric"]["score"]
    return res


def one_model(name, mode, seconds, warmup_seconds):
    """side_by_side.py --model NAME inference|train SECONDS [WARMUP_SECONDS]: prints one PyTorch images/s
    (models_alternating.sh)."""
    import torch
    torch.set_num_threads(2)
    print("%.3f" % torch_model_throughput(torch, name, mode, seconds, warmup_seconds))


def main():
    if sys.argv[1] == "--model":
        one_model(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]) if len(sys.argv) > 5 else 0.0)
        return
    mine = ours(sys.argv[1])
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    theirs, notes = {}, []
    if which in ("all", "numpy"):
        r, info = numpy_gemm()
        theirs.update({k: (v, "numpy/OpenBLAS") for k, v in r.items()})
        notes.append(info)
    if which in ("all", "torch"):
        r, info = torch_cases()
        theirs.update({k: (v, "PyTorch") for k, v in r.items()})
        notes.append(info)
    print()
    print("%-34s %12s %12s  %-15s %7s" % ("case", "ours", "theirs", "who", "ratio"))
    for case, (their, who) in theirs.items():
        unit = "ms" if case.startswith("batchnorm") else "img/s" if case.startswith("model") else "GFLOP/s"
        our = mine.get(case)
        if our is None:
            print("%-34s %12s %9.1f %s  %-15s %7s" % (case, "-", their, unit[:2], who, "-"))
            continue
        # ratio > 1 means we are faster (time ratio inverted for milliseconds)
        ratio = their / our if unit == "ms" else our / their
        print("%-34s %9.2f %s %9.2f %s  %-15s %6.2fx" % (case, our, unit[:2], their, unit[:2], who, ratio))
    print()
    print("units: GF = GFLOP/s (2*M*N*K; conv fwd+bwd counts 3x the forward), ms = milliseconds per call, im = images/s")
    for n in notes:
        print("reference: " + n)


if __name__ == "__main__":
    main()
