package org.resnet4j.ops.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.resnet4j.ops.nn.Ref.randomFloats;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.Sequential;

/** Parameter gradients accumulate (+=) across backward calls until zeroGrad, as in PyTorch. */
class GradientAccumulationTest {
    static final CpuBackend CPU = CpuBackend.get();

    static Map<String, float[]> grads(Module m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (var e : m.namedParameters().entrySet()) out.put(e.getKey(), e.getValue().grad().toFloats());
        return out;
    }

    @Test
    void twoBackwardCallsDoubleEveryGradient() {
        Sequential net = new Sequential(new Conv2d(2, 3, 3, 1, 1, 1, 1, true), new BatchNorm2d(3), new ReLU(),
                new AdaptiveAvgPool2d(1), new Flatten(), new Linear(3, 4, true));
        Tensor x = CPU.fromFloats(randomFloats(1, 2 * 2 * 5 * 5), 2, 2, 5, 5);
        Tensor dy = CPU.fromFloats(randomFloats(2, 8), 2, 4);
        net.forward(x);
        Tensor dx1 = net.backward(dy);
        Map<String, float[]> once = grads(net);
        Tensor dx2 = net.backward(dy);
        Map<String, float[]> twice = grads(net);
        assertThat(twice).containsOnlyKeys("0.weight", "0.bias", "1.weight", "1.bias", "5.weight", "5.bias");
        for (String k : once.keySet()) {
            float[] a = once.get(k), b = twice.get(k);
            // Not bit-exact 2g: a kernel may add its per-image partial sums into the gradient one by one
            // ((g0 + g1) + g0 + g1), so the second call rounds differently; a few float32 ulps (1e-6 relative).
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).as(k + "[" + i + "]").isCloseTo(2 * a[i], within(1e-6f * Math.abs(a[i]) + 1e-9f));
            }
            assertThat(a).as(k + " is not all zero").isNotEqualTo(new float[a.length]);
        }
        assertThat(dx2.toFloats()).as("dx does not accumulate").containsExactly(dx1.toFloats());

        net.zeroGrad();
        for (var e : grads(net).entrySet()) assertThat(e.getValue()).as(e.getKey()).containsOnly(0f);
    }

    @Test
    void frozenParametersGetNoGradient() {
        Conv2d conv = new Conv2d(1, 2, 3, 1, 1, 1, 1, true);
        Parameter w = conv.weight();
        w.setRequiresGrad(false);
        conv.forward(CPU.fromFloats(randomFloats(3, 16), 1, 1, 4, 4));
        conv.backward(CPU.fromFloats(randomFloats(4, 32), 1, 2, 4, 4));
        assertThat(w.hasGrad()).isFalse();
        assertThat(conv.bias().hasGrad()).isTrue();
    }
}
