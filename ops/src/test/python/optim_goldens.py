"""Golden values for ops/src/test/java/org/resnet4j/ops/optim/*Test.java, printed by real PyTorch.

Run: /usr/bin/python3 ops/src/test/python/optim_goldens.py   (torch 1.13)

Each optimizer case updates one float32 parameter p0 for 5 steps with the gradient
g = p * C + D (float32, recomputed from the current p before every step) and prints p after
each step. Scheduler cases print the lr at epochs 0..E (epoch 0 = after construction).
"""
import warnings

import torch

warnings.filterwarnings("ignore", category=UserWarning)  # SequentialLR passes an epoch to step()

P0 = [0.5, -1.0, 2.0, 0.25]
C = [1.0, 0.5, -0.25, 2.0]
D = [0.1, -0.2, 0.3, 0.0]
STEPS = 5


def run(make, name):
    p = torch.nn.Parameter(torch.tensor(P0, dtype=torch.float32))
    c = torch.tensor(C, dtype=torch.float32)
    d = torch.tensor(D, dtype=torch.float32)
    opt = make([p])
    rows = []
    for _ in range(STEPS):
        with torch.no_grad():
            p.grad = p.detach() * c + d
        opt.step()
        rows.append(", ".join("%.9gf" % v for v in p.detach().tolist()))
    print("// " + name)
    print("{" + "},\n{".join(rows) + "}")


run(lambda ps: torch.optim.SGD(ps, lr=0.1), "SGD(lr=0.1)")
run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9), "SGD(lr=0.1, momentum=0.9)")
run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.01),
    "SGD(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.01)")
run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.001),
    "SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.001)")
run(lambda ps: torch.optim.Adam(ps, lr=0.01), "Adam(lr=0.01)")
run(lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    "Adam(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)")
run(lambda ps: torch.optim.AdamW(ps, lr=0.01), "AdamW(lr=0.01)")
run(lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.5),
    "AdamW(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.5)")


def lrs(make, name, epochs):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = make(opt)
    out = [opt.param_groups[0]["lr"]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        out.append(opt.param_groups[0]["lr"])
    print("// " + name)
    print("{" + ", ".join(repr(v) for v in out) + "}")


S = torch.optim.lr_scheduler
lrs(lambda o: S.StepLR(o, step_size=3, gamma=0.5), "StepLR(step_size=3, gamma=0.5), base 0.1", 10)
lrs(lambda o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.1), "MultiStepLR([2, 5, 5, 9], gamma=0.1), base 0.1", 10)
lrs(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001), "CosineAnnealingLR(T_max=10, eta_min=0.001), base 0.1", 10)
lrs(lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=4), S.CosineAnnealingLR(o, T_max=6)], milestones=[4]),
    "SequentialLR([LinearLR(start_factor=0.1, total_iters=4), CosineAnnealingLR(T_max=6)], milestones=[4]), base 0.1", 10)
