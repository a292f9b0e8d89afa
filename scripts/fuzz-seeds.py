#!/usr/bin/env python3
"""Writes the seed inputs of the Jazzer fuzz targets (ops and app test resources, in Jazzer's
<TestClass>Inputs/<method>/ layout): small valid files and near-valid ones that stop at one check
each, so fuzzing starts deep in every reader and the regression run replays them.

Run from anywhere: /usr/bin/python3 scripts/fuzz-seeds.py (needs PIL for the image seeds)."""
import gzip
import io
import json
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPS = ROOT / "ops/src/test/resources/org/resnet4j/ops/io"
DATA = ROOT / "app/src/test/resources/org/resnet4j/app/data"
COMMANDS = ROOT / "app/src/test/resources/org/resnet4j/app/commands"


def write(folder: Path, name: str, content: bytes):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)


# ---------------------------------------------------------------- safetensors

SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def safetensors(tensors, metadata=None, header_override=None):
    """tensors: list of (name, dtype, shape, data bytes), laid out in order, as our writer does."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = header_override if header_override is not None else json.dumps(header, separators=(",", ":"))
    raw = text.encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + b"".join(t[3] for t in tensors)


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


def seeds_safetensors():
    d = OPS / "SafeTensorsReadFuzzTestInputs/read"
    write(d, "two_tensors_with_metadata", safetensors(
        [("a.weight", "F32", [2, 3], f32(1, 2, 3, 4, 5, 6)), ("n", "I64", [], struct.pack("<q", 7))], {"format": "pt"}))
    write(d, "every_dtype", safetensors(
        [(t, t, [2], bytes(range(2 * SIZES[t]))) for t in SIZES]))
    write(d, "empty", safetensors([]))
    write(d, "zero_size_tensor", safetensors([("z", "F32", [0, 3], b""), ("s", "U8", [1], b"\x01")]))
    write(d, "overlapping_offsets", safetensors([], header_override=json.dumps(
        {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
         "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})) + f32(1, 2))
    write(d, "offsets_past_the_end", safetensors([], header_override=json.dumps(
        {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})) + f32(1, 2))
    write(d, "shape_product_overflows", safetensors([], header_override=json.dumps(
        {"a": {"dtype": "F64", "shape": [2147483647, 2147483647, 4], "data_offsets": [0, 8]}})) + f32(1, 2))
    write(d, "header_length_past_the_end", struct.pack("<Q", 4096) + b'{"a":1}')


# ---------------------------------------------------------------- json

def seeds_json():
    d = OPS / "JsonParseFuzzTestInputs/parse"
    write(d, "header", b'{"__metadata__":{"format":"pt"},"fc.weight":{"dtype":"F32","shape":[10,512],'
                       b'"data_offsets":[0,20480]},"fc.bias":{"dtype":"F32","shape":[10],"data_offsets":[20480,20520]}}')
    write(d, "values", b'[0,-0,1.5e-3,-12E+2,9223372036854775807,9223372036854775808,true,false,null,"",{}]')
    write(d, "escapes", '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00 \u00e9\U0001f600"'.encode("utf-8"))
    write(d, "nested_64", b"[" * 64 + b"]" * 64)
    write(d, "nested_65", b"[" * 65 + b"]" * 65)
    write(d, "duplicate_key", b'{"a":1,"a":2}')


# ---------------------------------------------------------------- idx and cifar

def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">i", x) for x in dims) + data


def seeds_idx():
    # first byte: 0 = stored as is, 1 = gzip-compressed by the target
    d = DATA / "IdxReadFuzzTestInputs/read"
    images = idx([3, 4, 5], bytes((i * 37) % 256 for i in range(60)))
    labels = idx([6], bytes([0, 1, 2, 9, 5, 3]))
    write(d, "images", b"\x00" + images)
    write(d, "labels", b"\x00" + labels)
    write(d, "images_gzip", b"\x01" + images)
    write(d, "labels_gzip_stored", b"\x00" + gzip.compress(labels, mtime=0))
    write(d, "four_dims", b"\x00" + idx([2, 1, 3, 2], bytes(12)))
    write(d, "truncated", b"\x00" + images[:-7])
    write(d, "huge_dims_gzip", b"\x01" + idx([65536, 65536, 65536, 65536], bytes(64)))


def cifar_record(label, seed):
    return bytes([label]) + bytes((seed + i * 13) % 256 for i in range(3072))


def seeds_cifar():
    # the first two bytes (big-endian) say where the input is cut into two batch files
    d = DATA / "Cifar10ReadFuzzTestInputs/read"
    one, two = cifar_record(3, 1), cifar_record(9, 2)
    write(d, "one_record_each", struct.pack(">H", 3073) + one + two)
    write(d, "two_records_one_file", struct.pack(">H", 6146) + one + two + one)
    write(d, "label_out_of_range", struct.pack(">H", 3073) + one + bytes([10]) + two[1:])
    write(d, "truncated_record", struct.pack(">H", 3073) + one + two[:1000])


# ---------------------------------------------------------------- images

def seeds_images():
    from PIL import Image
    d = COMMANDS / "ImageDecodeFuzzTestInputs/decode"

    def encoded(img, fmt, **kw):
        out = io.BytesIO()
        img.save(out, fmt, **kw)
        return out.getvalue()

    rgb = Image.new("RGB", (5, 3))
    rgb.putdata([(i * 40 % 256, i * 90 % 256, i * 17 % 256) for i in range(15)])
    write(d, "rgb.png", encoded(rgb, "PNG"))
    write(d, "rgba.png", encoded(rgb.convert("RGBA"), "PNG"))
    write(d, "gray.png", encoded(rgb.convert("L"), "PNG"))
    write(d, "palette.png", encoded(rgb.convert("P"), "PNG"))
    write(d, "one_bit.png", encoded(rgb.convert("1"), "PNG"))
    write(d, "gray16.png", encoded(rgb.convert("L").convert("I").point(lambda v: v * 257).convert("I;16"), "PNG"))
    write(d, "rgb.jpg", encoded(rgb, "JPEG", quality=90))
    write(d, "gray.jpg", encoded(rgb.convert("L"), "JPEG"))
    write(d, "progressive.jpg", encoded(rgb, "JPEG", progressive=True))
    write(d, "rgb.gif", encoded(rgb, "GIF"))
    write(d, "rgb.bmp", encoded(rgb, "BMP"))
    # a valid PNG header promising 60000 x 60000 pixels with almost no data
    png = encoded(Image.new("L", (1, 1)), "PNG")
    write(d, "huge_header.png", png[:16] + struct.pack(">II", 60000, 60000) + png[24:])
    # 8000 x 8000 is under predict's pixel cap, but no 70-byte PNG holds it (ImageFuzzFindingsTest)
    write(d, "header_larger_than_the_file_holds.png", png[:16] + struct.pack(">II", 8000, 8000) + png[24:])


# ---------------------------------------------------------------- checkpoints

def run_info(model="resnet20", channels=3, classes=10, size="32x32"):
    return {"info.model": model, "info.in_channels": str(channels), "info.num_classes": str(classes),
            "info.input_size": size, "info.mean": ",".join(["0.5"] * channels),
            "info.std": ",".join(["0.25"] * channels), "info.classes": "|".join("c%d" % i for i in range(classes))}


def resnet20_state(prefix=""):
    """The state dict of CIFAR ResNet-20 (option A shortcuts, 10 classes) as tensor lines."""
    def conv(name, out, inp):
        return ["@%s%s.weight F32 %d,%d,3,3" % (prefix, name, out, inp)]

    def bn(name, c):
        return ["@%s%s.%s F32 %d" % (prefix, name, f, c) for f in ("weight", "bias", "running_mean", "running_var")] + [
            "@%s%s.num_batches_tracked I64 " % (prefix, name)]
    lines = conv("conv1", 16, 3) + bn("bn1", 16)
    previous = 16
    for stage, width in enumerate((16, 32, 64), start=1):
        for block in range(3):
            b = "layer%d.%d" % (stage, block)
            lines += conv(b + ".conv1", width, previous) + bn(b + ".bn1", width) + conv(b + ".conv2", width, width) + bn(b + ".bn2", width)
            previous = width
    return lines + ["@%sfc.weight F32 10,64" % prefix, "@%sfc.bias F32 10" % prefix]


def checkpoint_text(metadata, tensor_lines):
    """CheckpointLoadFuzzTest's input: key=value metadata lines, then @name DTYPE dims tensor lines."""
    return "\n".join(["%s=%s" % kv for kv in metadata.items()] + tensor_lines).encode("utf-8")


def seeds_checkpoints():
    d = COMMANDS / "CheckpointLoadFuzzTestInputs/load"
    record = {"resnet4j.model": "resnet20", "resnet4j.num_classes": "10", "resnet4j.in_channels": "3"}
    write(d, "resnet20_complete", checkpoint_text(dict(run_info(), **record), resnet20_state()))
    write(d, "resnet20_without_record", checkpoint_text(run_info(), resnet20_state()))
    write(d, "resnet20_head_only", checkpoint_text(run_info(), resnet20_state()[-2:]))
    training = dict(run_info(), **{"format": "resnet4j.training-checkpoint.v1", "epoch": "1", "step": "10",
                                   "rng.global": "42", "optimizer.type": "sgd", "optimizer.hyper.lr": "0.1"})
    write(d, "resnet20_training_checkpoint", checkpoint_text(training, resnet20_state("model.") + [
        "@optimizer.fc.bias.momentum_buffer F32 10"]))
    bottleneck = dict(run_info("resnet50", 3, 2, "8x8"), **{
        "resnet4j.model": "resnet50", "resnet4j.groups": "1", "resnet4j.width_per_group": "64",
        "resnet4j.replace_stride_with_dilation": "false,true,true", "resnet4j.zero_init_residual": "false"})
    write(d, "resnet50_record_head_only", checkpoint_text(bottleneck, ["@fc.weight F32 2,2048", "@fc.bias F32 2"]))
    write(d, "damaged_run_info", checkpoint_text(dict(run_info(), **{"info.input_size": "32x", "info.num_classes": "ten"}), []))
    write(d, "no_run_info", checkpoint_text({"format": "pt"}, ["@fc.bias F32 10"]))
    # what fuzzing and the fixes it led to pinned (CheckpointFuzzFindingsTest); record_option_the_model_does_not_take
    # is the fuzzer's own input, kept as found
    write(d, "groups_on_basic_blocks", checkpoint_text(dict(run_info("resnet18", 3, 10, "32x32"), **{
        "resnet4j.model": "resnet18", "resnet4j.groups": "2"}), ["@layer1.0.conv2.weight F32 128,64,3,3", "@fc.weight F32 10,512", "@fc.bias F32 10"]))
    write(d, "two_billion_classes", checkpoint_text(dict(run_info(), **{"info.num_classes": "2000000000"}), resnet20_state()))
    write(d, "huge_width_per_group", checkpoint_text(dict(run_info("resnet50", 3, 10, "32x32"), **{
        "resnet4j.model": "resnet50", "resnet4j.width_per_group": "100000"}), ["@fc.bias F32 10"]))


if __name__ == "__main__":
    seeds_safetensors()
    seeds_json()
    seeds_idx()
    seeds_cifar()
    seeds_images()
    seeds_checkpoints()
