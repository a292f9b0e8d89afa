"""PyTorch's run of resnet4j's training recipe: CIFAR ResNet-20 (option A) on an IDX data set (Fashion-MNIST by
default), the same initialization, normalization, augmentation, optimizer and per-step schedule as
`resnet4j train`, evaluated on the test set after every epoch. Prints one line per epoch:

    epoch E elapsed_s T test_acc A test_acc_plain P

where T is the wall time since training started (evaluation included), as metrics.csv's elapsed_s is for ours, A
the test accuracy of the recipe's evaluation and P that of the plain logits (equal to A without --eval-flip).
Called by time_to_accuracy.sh; the options mirror `resnet4j train`'s.
"""
import argparse
import gzip
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from side_by_side import cifar_resnet20  # noqa: E402  (the same network as the throughput benchmarks')


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(folder, split):
    prefix = "train" if split == "train" else "t10k"
    def find(kind):
        for name in (f"{prefix}-{kind}-idx{3 if kind == 'images' else 1}-ubyte.gz",
                     f"{prefix}-{kind}-idx{3 if kind == 'images' else 1}-ubyte"):
            if os.path.exists(os.path.join(folder, name)):
                return os.path.join(folder, name)
        sys.exit(f"time_to_accuracy.py: no {prefix} {kind} IDX file in {folder}")
    images = torch.from_numpy(read_idx(find("images")).astype(np.float32) / 255.0).unsqueeze(1)  # (N, 1, H, W)
    labels = torch.from_numpy(read_idx(find("labels")).astype(np.int64))
    return images, labels


def augment(batch, generator, padding=4):
    """RandomCrop(H, padding) on the raw (unnormalized) images, then RandomHorizontalFlip()."""
    n, _, h, w = batch.shape
    padded = torch.nn.functional.pad(batch, (padding, padding, padding, padding))
    offsets = torch.randint(0, 2 * padding + 1, (n, 2), generator=generator)
    flips = torch.rand(n, generator=generator) < 0.5
    out = torch.empty_like(batch)
    for i in range(n):
        dy, dx = int(offsets[i, 0]), int(offsets[i, 1])
        crop = padded[i, :, dy:dy + h, dx:dx + w]
        out[i] = crop.flip(-1) if flips[i] else crop
    return out


def lr_at(step, base, total, warmup, schedule):
    """resnet4j's Schedules: linear warm-up from base/10, then cosine to 0 (or constant), stepped per batch."""
    if step < warmup:
        return base * (0.1 + 0.9 * step / warmup)
    if schedule == "none":
        return base
    rest = max(1, total - warmup)
    return base * (1 + math.cos(math.pi * (step - warmup) / rest)) / 2


def evaluate(model, images, labels, mean, std, flip):
    """(accuracy, accuracy of the plain logits): with flip, the first averages each image's and its mirror's logits."""
    model.eval()
    correct = plain = 0
    with torch.no_grad():
        for i in range(0, len(images), 256):
            x = (images[i:i + 256] - mean) / std
            y = labels[i:i + 256]
            logits = model(x)
            plain += int((logits.argmax(1) == y).sum())
            if flip:
                logits = (logits + model(x.flip(-1))) / 2
            correct += int((logits.argmax(1) == y).sum())
    model.train()
    return correct / len(images), plain / len(images)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--nesterov", action="store_true")
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--schedule", choices=["cosine", "none"], default="cosine")
    p.add_argument("--warmup", type=float, default=0.25, help="epochs of linear warm-up")
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--eval-flip", action="store_true", help="average the logits of each test image and its mirror")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    train_x, train_y = load(a.data, "train")
    test_x, test_y = load(a.data, "test")
    mean = train_x.mean(dtype=torch.float64).float()
    std = train_x.double().std(unbiased=False).float()

    model = cifar_resnet20(torch, in_channels=train_x.shape[1])
    for m in model.modules():  # resnet4j's init: kaiming normal fan_out for convs, BN 1/0, Linear torch's default
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, torch.nn.BatchNorm2d):
            torch.nn.init.ones_(m.weight)
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay, nesterov=a.nesterov)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=a.label_smoothing)
    steps_per_epoch = math.ceil(len(train_x) / a.batch_size)
    total = a.epochs * steps_per_epoch
    warmup = round(a.warmup * steps_per_epoch)

    start = time.perf_counter()
    step = 0
    for epoch in range(1, a.epochs + 1):
        order = torch.randperm(len(train_x), generator=gen)
        for i in range(0, len(train_x), a.batch_size):
            idx = order[i:i + a.batch_size]
            x = train_x[idx]
            if not a.no_augment:
                x = augment(x, gen)
            x = (x - mean) / std
            for g in opt.param_groups:
                g["lr"] = lr_at(step, a.lr, total, warmup, a.schedule)
            opt.zero_grad()
            loss_fn(model(x), train_y[idx]).backward()
            opt.step()
            step += 1
        acc, plain = evaluate(model, test_x, test_y, mean, std, a.eval_flip)
        print("epoch %d elapsed_s %.1f test_acc %.4f test_acc_plain %.4f" % (epoch, time.perf_counter() - start, acc, plain),
              flush=True)


if __name__ == "__main__":
    main()
