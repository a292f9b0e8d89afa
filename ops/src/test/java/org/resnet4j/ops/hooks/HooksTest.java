package org.resnet4j.ops.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.TestTensors;
import org.resnet4j.ops.ModuleHook;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.nn.AdaptiveAvgPool2d;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Flatten;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.nn.ReLU;

/**
 * The hooks on a tiny net, checked against norms computed here in double from copies of the same
 * tensors. Tolerance 1e-9 relative: both sides sum float32 values in double, in different orders.
 */
class HooksTest {
    static final CpuBackend CPU = CpuBackend.get();

    static Sequential net() {
        RandomState.manualSeed(5);
        return new Sequential(new Conv2d(2, 3, 3, 1, 1, 1, 1, false), new BatchNorm2d(3), new ReLU(),
                new AdaptiveAvgPool2d(1), new Flatten(), new Linear(3, 4, true));
    }


    /** Copies of what every module saw, taken by an independent hook. */
    static final class Capture implements ModuleHook {
        final Map<String, float[]> out = new HashMap<>(), gradOut = new HashMap<>(), gradIn = new HashMap<>();

        @Override
        public void afterForward(String path, Module module, Tensor output) {
            out.put(path, output.toFloats());
        }

        @Override
        public void afterBackward(String path, Module module, Tensor gradOutput, Tensor gradInput) {
            gradOut.put(path, gradOutput.toFloats());
            gradIn.put(path, gradInput.toFloats());
        }
    }

    static void assertStats(String what, TensorStats s, float[] v) {
        double ss = 0, sa = 0, max = 0;
        for (float x : v) {
            ss += (double) x * x;
            sa += Math.abs(x);
            max = Math.max(max, Math.abs(x));
        }
        assertThat(s.count()).as(what + " count").isEqualTo(v.length);
        assertThat(s.l2Norm()).as(what + " l2").isCloseTo(Math.sqrt(ss), within(1e-9 * Math.sqrt(ss) + 1e-300));
        assertThat(s.meanAbs()).as(what + " mean abs").isCloseTo(sa / v.length, within(1e-9 * sa / v.length + 1e-300));
        assertThat(s.maxAbs()).as(what + " max abs").isEqualTo(max);
    }

    @Test
    void gradientStatsMatchIndependentNorms() {
        Sequential net = net();
        GradientStats stats = new GradientStats();
        Capture cap = new Capture();
        net.addHook(stats);
        net.addHook(cap);
        for (long step = 1; step <= 2; step++) {
            stats.beginStep(step);
            net.zeroGrad();
            net.forward(TestTensors.gaussian(10 + step, 2, 2, 5, 5));
            net.backward(TestTensors.gaussian(20 + step, 2, 4));
            for (String path : new String[] {"0", "1", "2", "3", "4", "5", ""}) {
                GradientStats.ModuleStats r = stats.record(step, path);
                assertThat(r).as(path).isNotNull();
                assertStats(path + " output", r.output(), cap.out.get(path));
                assertStats(path + " gradOutput", r.gradOutput(), cap.gradOut.get(path));
                assertStats(path + " gradInput", r.gradInput(), cap.gradIn.get(path));
            }
            assertStats("conv weight grad", stats.record(step, "0").parameterGrads().get("weight"), net.get(0).namedParameters().get("weight").grad().toFloats());
            assertStats("fc bias grad", stats.record(step, "5").parameterGrads().get("bias"), net.get(5).namedParameters().get("bias").grad().toFloats());
            assertThat(stats.record(step, "1").parameterGrads()).containsOnlyKeys("weight", "bias");
            assertThat(stats.record(step, "2").parameterGrads()).isEmpty();
            assertThat(stats.record(step, "").parameterGrads()).as("the container reports no parameter of its children").isEmpty();
        }
        assertThat(stats.steps()).containsExactly(1L, 2L);
        assertThat(stats.records(1)).extracting(GradientStats.ModuleStats::path).containsExactly("0", "1", "2", "3", "4", "5", "");
        assertThat(stats.record(1, "0").module()).startsWith("Conv2d(2, 3");

        stats.setEnabled(false);
        stats.beginStep(3);
        net.forward(TestTensors.gaussian(1, 2, 2, 5, 5));
        assertThat(stats.records(3)).isEmpty();
        stats.clear();
        assertThat(stats.steps()).isEmpty();
    }

    @Test
    void nothingIsRecordedUntilAttached() {
        Sequential net = net();
        GradientStats stats = new GradientStats();
        net.forward(TestTensors.gaussian(1, 2, 2, 5, 5));
        assertThat(stats.steps()).isEmpty();
    }

    @Test
    void nonFiniteGuardNamesTheFirstLayerInForward() {
        Sequential net = net();
        // an infinite BatchNorm weight: the conv before it is finite, the BN output is not
        CPU.fill(net.get(1).namedParameters().get("weight").data(), Double.POSITIVE_INFINITY);
        NonFiniteGuard guard = new NonFiniteGuard();
        net.addHook(guard);
        net.forward(TestTensors.gaussian(2, 2, 2, 5, 5));
        assertThat(guard.tripped()).isTrue();
        assertThat(guard.first().path()).isEqualTo("1");
        assertThat(guard.first().where()).isEqualTo("the output");
        assertThat(guard.first().total()).isEqualTo(2 * 3 * 5 * 5);
        assertThatThrownBy(guard::check).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'1' BatchNorm2d(3").hasMessageContaining("the output");
        guard.reset();
        assertThat(guard.tripped()).isFalse();
    }

    @Test
    void nonFiniteGuardInBackwardAndStopping() {
        Sequential net = net();
        NonFiniteGuard guard = new NonFiniteGuard(true);
        net.addHook(guard);
        net.forward(TestTensors.gaussian(3, 2, 2, 5, 5));
        assertThat(guard.tripped()).isFalse();
        Tensor dy = TestTensors.gaussian(4, 2, 4);
        float[] d = dy.toFloats();
        d[3] = Float.NaN;
        assertThatThrownBy(() -> net.backward(CPU.fromFloats(d, 2, 4)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'5' Linear(in_features=3").hasMessageContaining("the gradient arriving at the output")
                .hasMessageContaining("(1 of 8)");
    }
}
