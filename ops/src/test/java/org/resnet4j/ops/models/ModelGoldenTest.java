package org.resnet4j.ops.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Buffer;
import org.resnet4j.ops.InferenceMode;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.io.SafeTensors;
import org.resnet4j.ops.io.StateDict;
import org.resnet4j.ops.io.StoredTensor;

/**
 * PyTorch-written state_dicts (ops/src/test/python/make_model_goldens.py, torch 1.13) load into the
 * resnet4j model of the same name and give PyTorch's logits, in eval and in train mode; saving them
 * again reproduces PyTorch's file byte for byte; and what resnet4j saves loads in PyTorch.
 */
class ModelGoldenTest {
    @TempDir
    Path dir;

    static Path resource(Path dir, String file) throws IOException {
        Path p = dir.resolve(file.replace('/', '_'));
        try (InputStream in = ModelGoldenTest.class.getResourceAsStream(file)) {
            assertThat(in).as("test resource " + file).isNotNull();
            Files.copy(in, p);
        }
        return p;
    }

    /**
     * Float32 results of two implementations that sum in different orders (PyTorch's conv algorithms
     * vs our GEMM) differ by a few ulps per layer, growing with depth. Bounds: normwise relative error
     * below 1e-4, and per element |a - b| <= 1e-4 * max|b| + 1e-4 * |b|: the absolute part scales with
     * the tensor's largest value because each element is a sum over values of that size, so a small
     * element carries their rounding error (and a 164-layer net accumulates ~1e-5 of it). A wrong
     * convention gives errors of order 1.
     */
    static void assertClose(String what, float[] actual, float[] expected) {
        assertThat(actual).as(what + " length").hasSize(expected.length);
        double num = 0, den = 0, maxAbs = 0;
        for (float e : expected) maxAbs = Math.max(maxAbs, Math.abs(e));
        int worst = 0;
        double worstErr = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < expected.length; i++) {
            double d = actual[i] - expected[i];
            num += d * d;
            den += (double) expected[i] * expected[i];
            double err = Math.abs(d) - (1e-4 * maxAbs + 1e-4 * Math.abs(expected[i]));
            if (err > worstErr) {
                worstErr = err;
                worst = i;
            }
        }
        double rel = Math.sqrt(num / Math.max(den, 1e-30));
        assertThat(rel).as(what + ": normwise relative error; worst element [" + worst + "] " + actual[worst] + " vs " + expected[worst])
                .isLessThan(1e-4);
        assertThat(worstErr).as(what + ": worst element [" + worst + "] " + actual[worst] + " vs PyTorch " + expected[worst]).isLessThanOrEqualTo(0);
    }

    static Tensor tensor(StoredTensor t) {
        return CpuBackend.get().fromFloats(t.toFloats(), t.shape());
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet20", "seed-mnist", "preact-resnet20"})
    void pytorchWeightsGivePyTorchLogits(String name) throws IOException {
        Path state = resource(dir, name + ".safetensors");
        SafeTensors.Contents io = SafeTensors.read(resource(dir, name + ".io.safetensors"));
        Module model = ModelZoo.create(name);
        StateDict.LoadReport report = StateDict.load(model, state);
        assertThat(report.isComplete()).isTrue();

        // byte for byte: what we save right after loading is PyTorch's file
        Path resaved = dir.resolve("resaved.safetensors");
        StateDict.save(model, resaved);
        assertThat(java.util.Arrays.equals(Files.readAllBytes(resaved), Files.readAllBytes(state)))
                .as("re-saved " + name + " is byte-identical to PyTorch's file").isTrue();

        Tensor x = tensor(io.get("input"));
        model.eval();
        assertClose(name + " eval logits", model.forward(x).toFloats(), io.get("eval_logits").toFloats());
        try (InferenceMode ignored = InferenceMode.enter()) {                 // convolutions fused with their batch norms
            assertClose(name + " eval logits under InferenceMode", model.forward(x).toFloats(), io.get("eval_logits").toFloats());
        }

        model.train();
        assertClose(name + " train logits", model.forward(x).toFloats(), io.get("train_logits").toFloats());
        // backward of L = sum(logits * w) through every block: the input gradient and sampled parameter gradients
        model.zeroGrad();
        assertClose(name + " input gradient", model.backward(tensor(io.get("dlogits"))).toFloats(), io.get("grad.input").toFloats());
        for (String key : io.tensors().keySet()) {
            if (!key.startsWith("grad.") || key.equals("grad.input")) continue;
            String param = key.substring("grad.".length());
            assertClose(name + " gradient of " + param, model.namedParameters().get(param).grad().toFloats(), io.get(key).toFloats());
        }
        for (var e : model.namedBuffers().entrySet()) {
            Buffer b = e.getValue();
            assertClose(name + " " + e.getKey() + " after one train step", b.data().toFloats(),
                    io.get("after_train." + e.getKey()).toFloats());
        }
        for (var e : model.namedCounters().entrySet()) {
            assertThat(e.getValue().get()).as(e.getKey()).isEqualTo(io.get("after_train." + e.getKey()).toLongs()[0]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet20"}) // one model: each python start imports torch and torchvision (seconds)
    void whatWeSaveLoadsInPyTorch(String name) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeThat(Files.isExecutable(python)).as("/usr/bin/python3 present").isTrue();
        Process probe = new ProcessBuilder(python.toString(), "-c", "import torch").redirectErrorStream(true).start();
        assumeThat(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0).as("torch importable").isTrue();

        Path ioFile = resource(dir, name + ".io.safetensors");
        Module model = ModelZoo.create(name);
        StateDict.load(model, resource(dir, name + ".safetensors"));
        model.train();
        model.forward(tensor(SafeTensors.read(ioFile).get("input"))); // moves the BN statistics away from PyTorch's file
        Path ours = dir.resolve("ours.safetensors");
        StateDict.save(model, ours);
        model.eval();
        float[] expected = model.forward(tensor(SafeTensors.read(ioFile).get("input"))).toFloats();

        Path script = Path.of("src/test/python/check_load.py");             // Maven runs tests in the module folder
        if (!Files.exists(script)) script = Path.of("ops/src/test/python/check_load.py"); // an IDE, at the repository root
        assumeThat(Files.exists(script)).as("check_load.py found from " + Path.of("").toAbsolutePath()).isTrue();
        Process p = new ProcessBuilder(python.toString(), script.toString(), name, ours.toString(), ioFile.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<String> lines = out.lines().toList();
        float[] pytorch = new float[lines.size()];
        for (int i = 0; i < pytorch.length; i++) pytorch[i] = Float.parseFloat(lines.get(i));
        assertClose(name + " logits in PyTorch from our file", expected, pytorch);
    }
}
