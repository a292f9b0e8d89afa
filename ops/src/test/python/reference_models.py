"""PyTorch definitions of every resnet4j model that torchvision does not have, with the same
state_dict names as the Java classes in org.resnet4j.ops.models, and a table of parameter counts.

    /usr/bin/python3 ops/src/test/python/reference_models.py      # prints name, params (torch 1.13, torchvision 0.14)

The seed variants are the seed articles' code (../../../../shared/seeds in the team workspace),
copied with only the fixes noted next to them.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

# ---------------------------------------------------------------- CIFAR ResNets (He et al. 2015, section 4.2)


class ShortcutA(nn.Module):
    """Option A: x[:, :, ::2, ::2] and zero channels on both sides (no parameters)."""

    def __init__(self, pad):
        super().__init__()
        self.pad = pad

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))


class CifarBasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride, option, residual=True):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.residual = residual
        self.downsample = None
        if residual and (stride != 1 or inplanes != planes):
            if option == "A":
                self.downsample = ShortcutA((planes - inplanes) // 2)
            else:
                self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.residual:
            out = out + (self.downsample(x) if self.downsample is not None else x)
        return self.relu(out)


class CifarResNet(nn.Module):
    def __init__(self, depth, option="A", residual=True, num_classes=10, in_channels=3):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        inplanes = 16
        for i, planes in enumerate([16, 32, 64]):
            blocks = []
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(CifarBasicBlock(inplanes, planes, stride, option, residual))
                inplanes = planes
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# ---------------------------------------------------------------- pre-activation ResNets (He et al. 2016)


class PreActBasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.relu = nn.ReLU(inplace=False)
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False))

    def forward(self, x):
        pre = self.relu(self.bn1(x))
        shortcut = self.downsample(pre) if self.downsample is not None else x
        out = self.conv1(pre)
        out = self.conv2(self.relu(self.bn2(out)))
        return out + shortcut


class PreActBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.relu = nn.ReLU(inplace=False)
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.downsample = None
        if stride != 1 or inplanes != planes * 4:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False))

    def forward(self, x):
        pre = self.relu(self.bn1(x))
        shortcut = self.downsample(pre) if self.downsample is not None else x
        out = self.conv1(pre)
        out = self.conv2(self.relu(self.bn2(out)))
        out = self.conv3(self.relu(self.bn3(out)))
        return out + shortcut


class PreActResNet(nn.Module):
    def __init__(self, block, layers, cifar, num_classes, in_channels=3):
        super().__init__()
        if cifar:
            widths, self.inplanes = [16, 32, 64], 16
            self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        else:
            widths, self.inplanes = [64, 128, 256, 512], 64
            self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.cifar = cifar
        for i, (planes, n) in enumerate(zip(widths, layers)):
            blocks = []
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(block(self.inplanes, planes, stride))
                self.inplanes = planes * block.expansion
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*blocks))
        self.final_bn = nn.BatchNorm2d(self.inplanes)
        self.final_relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(self.inplanes, num_classes)
        self.nstages = len(widths)

    def forward(self, x):
        x = self.conv1(x)
        if not self.cifar:
            x = self.maxpool(self.relu(self.bn1(x)))
        for i in range(self.nstages):
            x = getattr(self, "layer%d" % (i + 1))(x)
        x = self.final_relu(self.final_bn(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# ---------------------------------------------------------------- seed 000: Bottleneck with an always-on biased 1x1 shortcut


class SeedBottleneck(nn.Module):
    def __init__(self, in_dim, out_dim, stride=1):
        super().__init__()
        self.bottleneck = nn.Sequential(
            nn.Conv2d(in_dim, in_dim, 1, bias=False), nn.BatchNorm2d(in_dim), nn.ReLU(inplace=True),
            nn.Conv2d(in_dim, in_dim, 3, stride, 1, bias=False), nn.BatchNorm2d(in_dim), nn.ReLU(inplace=True),
            nn.Conv2d(in_dim, out_dim, 1, bias=False), nn.BatchNorm2d(out_dim))
        self.relu = nn.ReLU(inplace=True)
        # seed: nn.Conv2d(in_dim, out_dim, 1, 1) ignores stride, so stride=2 could not add; we pass stride
        self.downsample = nn.Sequential(nn.Conv2d(in_dim, out_dim, 1, stride), nn.BatchNorm2d(out_dim))

    def forward(self, x):
        return self.relu(self.bottleneck(x) + self.downsample(x))


# ---------------------------------------------------------------- seed 000: ResNet-50 v1 and its CIFAR-10 network


class SeedBlock(nn.Module):
    def __init__(self, in_channels, filters, stride=1, is_1x1conv=False):
        super().__init__()
        f1, f2, f3 = filters
        self.is_1x1conv = is_1x1conv
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = nn.Sequential(nn.Conv2d(in_channels, f1, 1, stride, bias=False), nn.BatchNorm2d(f1), nn.ReLU())
        self.conv2 = nn.Sequential(nn.Conv2d(f1, f2, 3, 1, 1, bias=False), nn.BatchNorm2d(f2), nn.ReLU())
        self.conv3 = nn.Sequential(nn.Conv2d(f2, f3, 1, 1, bias=False), nn.BatchNorm2d(f3))
        if is_1x1conv:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, f3, 1, stride, bias=False), nn.BatchNorm2d(f3))

    def forward(self, x):
        s = self.shortcut(x) if self.is_1x1conv else x
        return self.relu(self.conv3(self.conv2(self.conv1(x))) + s)


class SeedResNet(nn.Module):
    def __init__(self, layers, num_classes, in_channels=3):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(in_channels, 64, 7, 2, 3), nn.BatchNorm2d(64), nn.ReLU())
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        specs = [(64, (64, 64, 256), 1), (256, (128, 128, 512), 2), (512, (256, 256, 1024), 2), (1024, (512, 512, 2048), 2)]
        for i, n in enumerate(layers):
            cin, filters, stride = specs[i]
            blocks = [SeedBlock(cin, filters, stride, True)] + [SeedBlock(filters[2], filters, 1, False) for _ in range(1, n)]
            setattr(self, "conv%d" % (i + 2), nn.Sequential(*blocks))
        self.n = len(layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Sequential(nn.Linear(specs[len(layers) - 1][1][2], num_classes))

    def forward(self, x):
        x = self.maxpool(self.conv1(x))
        for i in range(self.n):
            x = getattr(self, "conv%d" % (i + 2))(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


# ---------------------------------------------------------------- seed 000: the TensorFlow CIFAR-10 residual net, in PyTorch


class TfResidualBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.increase = cout == 2 * cin
        stride = 2 if self.increase else 1
        # TF 'same' padding pads a stride-2 3x3 conv on an even input by (0, 1); PyTorch's padding=1 is (1, 1)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.cin = cin

    def forward(self, x):
        y = F.relu(self.conv2(F.relu(self.conv1(x))))
        if self.increase:
            s = F.pad(F.avg_pool2d(x, 2, 2), (0, 0, 0, 0, self.cin // 2, self.cin // 2))
        else:
            s = x
        return y + s


class TfCifarNet(nn.Module):
    def __init__(self, blocks=(2, 3, 2), base=32, num_classes=10, in_channels=3):
        super().__init__()
        self.conv0 = nn.Conv2d(in_channels, base, 3, 1, 1)
        stages = []
        cin = base
        for s, n in enumerate(blocks):
            for i in range(n):
                cout = base * 2 ** s
                stages.append(TfResidualBlock(cin, cout))
                cin = cout
        self.blocks = nn.Sequential(*stages)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.conv0(x)))
        return self.fc(x.mean(dim=(2, 3)))


# ---------------------------------------------------------------- seed 000: the "simple" ResNet, exactly as written


def conv3x3(i, o, stride=1):
    return nn.Conv2d(i, o, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(i, o, stride=1):
    return nn.Conv2d(i, o, kernel_size=1, stride=stride, bias=False)


class SimpleBasicBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Sequential(conv3x3(c, c), nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        self.conv2 = nn.Sequential(conv3x3(c, c), nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.conv2(self.conv1(x)) + x)


class SimpleBottleneck(nn.Module):
    exp = 4

    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Sequential(conv1x1(c, c), nn.BatchNorm2d(c))
        self.conv2 = nn.Sequential(conv3x3(c, c), nn.BatchNorm2d(c))
        self.conv3 = nn.Sequential(conv1x1(c, c * 4), nn.BatchNorm2d(c * 4), nn.ReLU(inplace=True))
        self.downsample = nn.Sequential(conv1x1(c, c * 4), nn.BatchNorm2d(c * 4), nn.ReLU(inplace=True))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.conv3(self.conv2(self.conv1(x))) + self.downsample(x))


class SimpleResNet(nn.Module):
    def __init__(self, in_channel, num_classes):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(in_channel, 64, 5, 2, 2), nn.BatchNorm2d(64), nn.ReLU(inplace=True))
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.res_block1 = nn.Sequential(SimpleBasicBlock(64), SimpleBasicBlock(64))
        self.res_block2 = nn.Sequential(nn.MaxPool2d(3, 2, 1), nn.ReLU(inplace=True),
                                        SimpleBottleneck(64), SimpleBottleneck(256), SimpleBottleneck(1024))
        self.output = nn.Sequential(nn.Conv2d(4096, 1024, 4, bias=False), nn.BatchNorm2d(1024), nn.ReLU(inplace=True),
                                    nn.Flatten(), nn.Linear(1024, num_classes), nn.Dropout(0.4), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.output(self.res_block2(self.res_block1(self.maxpool(self.conv1(x)))))


# ---------------------------------------------------------------- seed 001: d2l's Residual and ResNet-18


class Residual(nn.Module):
    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, X):
        Y = self.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        return self.relu(Y + X)


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    return [Residual(input_channels, num_channels, use_1x1conv=True, strides=2) if i == 0 and not first_block
            else Residual(num_channels, num_channels) for i in range(num_residuals)]


def d2l_resnet18(num_classes=10, in_channels=1):
    b1 = nn.Sequential(nn.Conv2d(in_channels, 64, 7, 2, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
    b2 = nn.Sequential(*resnet_block(64, 64, 2, first_block=True))
    b3 = nn.Sequential(*resnet_block(64, 128, 2))
    b4 = nn.Sequential(*resnet_block(128, 256, 2))
    b5 = nn.Sequential(*resnet_block(256, 512, 2))
    return nn.Sequential(b1, b2, b3, b4, b5, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(512, num_classes))


# ---------------------------------------------------------------- seed 002: the MNIST model


class ResBlock(nn.Module):
    def __init__(self, channel):
        super().__init__()
        self.conv1 = nn.Conv2d(channel, channel, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(channel, channel, kernel_size=5, padding=2)

    def forward(self, x):
        return F.relu(x + self.conv2(F.relu(self.conv1(x))))


class MnistModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=5)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3)
        self.MP = nn.MaxPool2d(2)
        self.RB1 = ResBlock(16)
        self.RB2 = ResBlock(32)
        self.linear1 = nn.Linear(800, 200)
        self.linear2 = nn.Linear(200, 10)

    def forward(self, x):
        y = self.MP(F.relu(self.conv1(x)))
        y = self.RB1(y)
        y = self.MP(F.relu(self.conv2(y)))
        y = self.RB2(y)
        y = F.relu(self.linear1(y.reshape(x.size(0), -1)))
        return self.linear2(y)


# ---------------------------------------------------------------- the zoo, by resnet4j name

CIFAR_DEPTHS = [20, 32, 44, 56, 110, 1202]


def build(name):
    tv = torchvision.models
    if hasattr(tv, name) and name.startswith(("resnet", "resnext", "wide_resnet")) and name[-1].isdigit() or name in (
            "resnext50_32x4d", "resnext101_32x8d"):
        if name in ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
                    "resnext101_32x8d", "wide_resnet50_2", "wide_resnet101_2"):
            return getattr(tv, name)()
    for d in CIFAR_DEPTHS:
        if name == "resnet%d" % d:
            return CifarResNet(d, "A")
        if name == "resnet%d-b" % d:
            return CifarResNet(d, "B")
        if name == "plain%d" % d:
            return CifarResNet(d, residual=False)
    preact_cifar = {"preact-resnet20": 3, "preact-resnet32": 5, "preact-resnet44": 7, "preact-resnet56": 9, "preact-resnet110": 18}
    if name in preact_cifar:
        n = preact_cifar[name]
        return PreActResNet(PreActBasicBlock, [n] * 3, True, 10)
    if name == "preact-resnet164":
        return PreActResNet(PreActBottleneck, [18] * 3, True, 10)
    if name == "preact-resnet1001":
        return PreActResNet(PreActBottleneck, [111] * 3, True, 10)
    preact_in = {"preact-resnet18": (PreActBasicBlock, [2, 2, 2, 2]), "preact-resnet34": (PreActBasicBlock, [3, 4, 6, 3]),
                 "preact-resnet50": (PreActBottleneck, [3, 4, 6, 3]), "preact-resnet101": (PreActBottleneck, [3, 4, 23, 3]),
                 "preact-resnet152": (PreActBottleneck, [3, 8, 36, 3])}
    if name in preact_in:
        b, l = preact_in[name]
        return PreActResNet(b, l, False, 1000)
    seeds = {
        "seed-bottleneck": lambda: SeedBottleneck(64, 256),
        "seed-resnet50-v1": lambda: SeedResNet([3, 4, 6, 3], 1000),
        "seed-cifar-resnet": lambda: SeedResNet([3, 4], 10),
        "seed-tf-cifar": lambda: TfCifarNet(),
        "seed-simple-resnet": lambda: SimpleResNet(3, 10),
        "seed-d2l-resnet18": lambda: d2l_resnet18(10, 1),
        "seed-mnist": lambda: MnistModel(),
    }
    return seeds[name]()


NAMES = (["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d",
          "wide_resnet50_2", "wide_resnet101_2"]
         + ["resnet%d" % d for d in CIFAR_DEPTHS] + ["resnet%d-b" % d for d in CIFAR_DEPTHS] + ["plain%d" % d for d in CIFAR_DEPTHS]
         + ["preact-resnet20", "preact-resnet32", "preact-resnet44", "preact-resnet56", "preact-resnet110",
            "preact-resnet164", "preact-resnet1001", "preact-resnet18", "preact-resnet34", "preact-resnet50",
            "preact-resnet101", "preact-resnet152"]
         + ["seed-bottleneck", "seed-resnet50-v1", "seed-cifar-resnet", "seed-tf-cifar", "seed-simple-resnet",
            "seed-d2l-resnet18", "seed-mnist"])

if __name__ == "__main__":
    print("torch", torch.__version__, "torchvision", torchvision.__version__)
    for name in NAMES:
        m = build(name)
        print('%-22s %d' % (name, sum(p.numel() for p in m.parameters())))
    extra = {
        "resnet18(num_classes=10)": torchvision.models.resnet18(num_classes=10),
        "resnet50(groups=2,width_per_group=32)": torchvision.models.resnet50(groups=2, width_per_group=32),
        "resnet20(in_channels=1)": CifarResNet(20, "A", in_channels=1),
    }
    for k, m in extra.items():
        print('%-22s %d' % (k, sum(p.numel() for p in m.parameters())))
