package org.resnet4j.ops.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.io.SafeTensors;

/**
 * Forward and backward (eval mode) of every other model family against PyTorch, with weights both
 * sides compute from a formula ({@link DeterministicWeights}; goldens by
 * {@code /usr/bin/python3 ops/src/test/python/formula_goldens.py}, torch 1.13 / torchvision 0.14):
 * option B and plain CIFAR nets, pre-activation basic and bottleneck units, torchvision's BasicBlock
 * with one input channel, ResNeXt groups with dilation, and the seed variants. Tolerances as in
 * {@link ModelGoldenTest#assertClose}.
 */
class FormulaGoldenTest {
    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        ModelOptions d = ModelOptions.defaults();
        return Stream.of(
                Arguments.of("resnet20-b", d),
                Arguments.of("plain20", d.inChannels(1).numClasses(4)),
                Arguments.of("preact-resnet164", d),
                Arguments.of("preact-resnet18", d.numClasses(5)),
                Arguments.of("resnet18", d.numClasses(6).inChannels(1)),
                Arguments.of("resnext50_32x4d", d.numClasses(3).replaceStrideWithDilation(false, true, true)),
                Arguments.of("seed-bottleneck", d),
                Arguments.of("seed-cifar-resnet", d),
                Arguments.of("seed-tf-cifar", d),
                Arguments.of("seed-d2l-resnet18", d));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(String name, ModelOptions options) throws IOException {
        SafeTensors.Contents g = SafeTensors.read(ModelGoldenTest.resource(dir, "formula/" + name + ".safetensors"));
        Module m = ModelZoo.create(name, options);
        DeterministicWeights.fill(m);
        Tensor x = ModelGoldenTest.tensor(g.get("input"));
        m.eval();
        Tensor eval = m.forward(x);
        assertThat(eval.shape()).as(name + " output shape").containsExactly(g.get("eval_logits").shape());
        ModelGoldenTest.assertClose(name + " eval logits", eval.toFloats(), g.get("eval_logits").toFloats());
        Tensor dx = m.backward(ModelGoldenTest.tensor(g.get("dlogits")));
        ModelGoldenTest.assertClose(name + " input gradient", dx.toFloats(), g.get("grad.input").toFloats());
        int checked = 0;
        for (String key : g.tensors().keySet()) {
            if (!key.startsWith("grad.") || key.equals("grad.input")) continue;
            String p = key.substring("grad.".length());
            assertThat(m.namedParameters()).as(name + " has " + p).containsKey(p);
            ModelGoldenTest.assertClose(name + " gradient of " + p, m.namedParameters().get(p).grad().toFloats(), g.get(key).toFloats());
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(3);
    }
}
