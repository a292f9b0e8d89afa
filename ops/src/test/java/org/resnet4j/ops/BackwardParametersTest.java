package org.resnet4j.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Identity;
import org.resnet4j.ops.nn.ReLU;

/**
 * Module.backwardParameters: the parameter gradients of Module.backward, to the bit, without the input
 * gradient of the layers that read the model's input, on models whose input feeds a stem convolution, a
 * residual block with both branches (seed-bottleneck), or a chain of layers that hand the input on unchanged.
 */
class BackwardParametersTest {
    static final CpuBackend CPU = CpuBackend.get();


    /** Every parameter gradient after one forward and the chosen backward of a fixed dy, from zeroed gradients, by name. */
    static Map<String, float[]> gradients(Module net, Tensor x, boolean parametersOnly) {
        net.zeroGrad();
        Tensor y = net.forward(x), dy = TestTensors.gaussian(9, y.shape());
        if (parametersOnly) net.backwardParameters(dy);
        else net.backward(dy);
        Map<String, float[]> g = new LinkedHashMap<>();
        for (var e : net.namedParameters().entrySet()) g.put(e.getKey(), e.getValue().grad().toFloats());
        return g;
    }

    /** Records the input gradient each module returned in its last backward (null when it skipped it). */
    static final class InputGradients implements ModuleHook {
        final Map<String, Boolean> computed = new HashMap<>();

        @Override
        public boolean keepsTensors() {
            return false;
        }

        @Override
        public void afterBackward(String path, Module module, Tensor gradOutput, Tensor gradInput) {
            computed.put(path, gradInput != null);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet20", "resnet18", "seed-bottleneck", "preact-resnet20", "seed-tf-cifar", "seed-d2l-resnet18"})
    void sameParameterGradientsWithoutTheStemsInputGradient(String name) {
        RandomState.manualSeed(7);
        Module net = ModelZoo.create(name);
        int[] chw = ModelZoo.inputShape(name, null);
        int side = Math.min(chw[1], 32);
        Tensor x = TestTensors.gaussian(1, 2, chw[0], side, side);
        InputGradients seen = new InputGradients();
        net.addHook(seen);

        Map<String, float[]> full = gradients(net, x, false);
        assertThat(seen.computed).as("every module computed its input gradient").doesNotContainValue(false);
        Map<String, float[]> parametersOnly = gradients(net, x, true);
        assertThat(parametersOnly.keySet()).isEqualTo(full.keySet());
        for (String p : full.keySet()) assertThat(parametersOnly.get(p)).as(name + " " + p).isEqualTo(full.get(p));
        // a chain of layers (every zoo network but a lone block) skips the stem's input gradient, and only that one;
        // a residual block as the whole model needs both branches' parts of it, and skips nothing
        boolean chain = !name.equals("seed-bottleneck");
        Map<String, Boolean> skipped = new HashMap<>();
        seen.computed.forEach((path, computed) -> {
            if (!computed) skipped.put(path, true);
        });
        if (chain) assertThat(skipped.keySet()).containsExactlyInAnyOrderElementsOf(stemPath(net));
        else assertThat(skipped).isEmpty();

        // and a plain backward afterwards computes every input gradient again
        gradients(net, x, false);
        assertThat(seen.computed).doesNotContainValue(false);
    }

    /** The model, the first child, its first child... down to the convolution that reads the model's input. */
    static java.util.List<String> stemPath(Module net) {
        java.util.List<String> path = new java.util.ArrayList<>(java.util.List.of(""));
        Module m = net;
        String prefix = "";
        while (!(m instanceof Conv2d)) {
            String first = m.children().keySet().iterator().next();
            m = m.children().get(first);
            prefix = prefix.isEmpty() ? first : prefix + "." + first;
            path.add(prefix);
        }
        return path;
    }

    @Test
    void layersHandingTheInputOnUnchangedPassNothingBack() {
        RandomState.manualSeed(3);
        // the convolution reads the very tensor given to the model: Identity returns it, the in-place ReLU too
        Sequential net = new Sequential(new Identity(), new ReLU(true), new Conv2d(2, 3, 3, 1, 1, 1, 1, true),
                new org.resnet4j.ops.nn.AdaptiveAvgPool2d(1), new org.resnet4j.ops.nn.Flatten());
        InputGradients seen = new InputGradients();
        net.addHook(seen);
        Map<String, float[]> full = gradients(net, TestTensors.gaussian(5, 2, 2, 5, 5), false);
        Map<String, float[]> parametersOnly = gradients(net, TestTensors.gaussian(5, 2, 2, 5, 5), true);
        for (String p : full.keySet()) assertThat(parametersOnly.get(p)).as(p).isEqualTo(full.get(p));
        assertThat(seen.computed.get("2")).as("the convolution's input gradient").isFalse();
        assertThat(seen.computed.get("3")).as("the pool's").isTrue();
        // outside backwardParameters a null gradient is the caller's mistake, not a skipped one
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> net.backward(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Sequential").hasMessageContaining("dL/dy");
    }
}
