package org.resnet4j.ops.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Parameter;

class OptimizerStateTest {
    static final CpuBackend CPU = CpuBackend.get();

    static Map<String, Parameter> params(float[] a, float[] b) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("conv.weight", new Parameter(CPU.fromFloats(a, a.length)));
        m.put("fc.bias", new Parameter(CPU.fromFloats(b, b.length)));
        return m;
    }

    static void steps(Optimizer opt, int n) {
        steps(opt, 0, n);
    }

    /** Steps from..to-1 of a run; the gradient depends on the step index and the current values. */
    static void steps(Optimizer opt, int from, int to) {
        for (int s = from; s < to; s++) {
            for (Parameter p : opt.parameters().values()) {
                float[] v = p.data().toFloats();
                float[] g = new float[v.length];
                for (int i = 0; i < v.length; i++) g[i] = (float) Math.sin(3 * v[i] + i) + 0.1f * s;
                CPU.copy(CPU.fromFloats(g, g.length), p.grad());
            }
            opt.step();
        }
    }

    /** Stop after 2 steps, export, rebuild from the exported values, resume: bit-identical to an unbroken run. */
    void resumesBitIdentically(Function<Map<String, Parameter>, Optimizer> make) {
        float[] a = {0.3f, -0.7f, 1.2f}, b = {0.05f, -0.2f};
        Optimizer straight = make.apply(params(a, b));
        steps(straight, 0, 5);

        Optimizer first = make.apply(params(a, b));
        steps(first, 0, 2);
        first.setLr(first.lr() * 0.5); // as a scheduler would
        OptimizerState saved = first.state();
        Map<String, Parameter> restored = params(first.parameters().get("conv.weight").data().toFloats(),
                first.parameters().get("fc.bias").data().toFloats());
        steps(first, 2, 3); // the exported state is a copy: later steps must not change it
        Optimizer resumed = make.apply(restored);
        resumed.loadState(saved);
        assertThat(resumed.lr()).isEqualTo(straight.lr() * 0.5);
        assertThat(resumed.stepCount()).isEqualTo(2);
        resumed.setLr(straight.lr());
        steps(resumed, 2, 5);
        for (String k : restored.keySet()) {
            assertThat(resumed.parameters().get(k).data().toFloats()).as(k)
                    .containsExactly(straight.parameters().get(k).data().toFloats());
        }
    }

    @Test
    void sgdMomentumResumes() {
        resumesBitIdentically(ps -> new SGD(ps, 0.1, 0.9, 0, 1e-4, true));
    }

    @Test
    void adamResumes() {
        resumesBitIdentically(ps -> new Adam(ps, 0.01, 0.9, 0.999, 1e-8, 0.01));
    }

    @Test
    void adamWResumes() {
        resumesBitIdentically(ps -> new AdamW(ps, 0.01));
    }

    @Test
    void stateNamesFollowTheParameters() {
        SGD sgd = new SGD(params(new float[] {1, 2}, new float[] {3}), 0.1, 0.9, 0, 0, false);
        steps(sgd, 1);
        assertThat(sgd.state().tensors()).containsOnlyKeys("conv.weight.momentum_buffer", "fc.bias.momentum_buffer");
        assertThat(sgd.state().counters()).containsEntry("step", 1L);
        Adam adam = new Adam(params(new float[] {1, 2}, new float[] {3}), 0.1);
        steps(adam, 2);
        assertThat(adam.state().tensors()).containsOnlyKeys("conv.weight.exp_avg", "conv.weight.exp_avg_sq",
                "fc.bias.exp_avg", "fc.bias.exp_avg_sq");
        assertThat(adam.state().counters()).containsEntry("conv.weight.step", 2L).containsEntry("step", 2L);
        assertThat(adam.state().hyperparameters()).containsEntry("lr", 0.1).containsEntry("beta2", 0.999);
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        Map<String, Parameter> ps = params(new float[] {1, 2}, new float[] {3});
        Parameter frozen = ps.get("fc.bias");
        SGD sgd = new SGD(ps, 0.1, 0.9, 0, 0.1, false);
        CPU.fill(ps.get("conv.weight").grad(), 1.0);
        sgd.step();
        assertThat(frozen.hasGrad()).isFalse();
        assertThat(frozen.data().toFloats()).containsExactly(3f);
        assertThat(ps.get("conv.weight").data().toFloats()).containsExactly(1f - 0.1f * (1f + 0.1f * 1f), 2f - 0.1f * (1f + 0.1f * 2f));
        assertThat(sgd.state().tensors()).containsOnlyKeys("conv.weight.momentum_buffer");

        frozen.grad();
        frozen.setRequiresGrad(false);
        sgd.step();
        assertThat(frozen.data().toFloats()).containsExactly(3f);
    }

    @Test
    void zeroGradClearsEveryGradient() {
        Map<String, Parameter> ps = params(new float[] {1, 2}, new float[] {3});
        SGD sgd = new SGD(ps, 0.1);
        steps(sgd, 1);
        sgd.zeroGrad();
        for (Parameter p : ps.values()) assertThat(p.grad().toFloats()).containsOnly(0f);
    }

    @Test
    void argumentsAreValidatedAsPyTorchDoes() {
        Map<String, Parameter> ps = params(new float[] {1}, new float[] {2});
        assertThatThrownBy(() -> new SGD(ps, -0.1)).hasMessageContaining("Invalid learning rate: -0.1");
        assertThatThrownBy(() -> new SGD(ps, 0.1, -0.9, 0, 0, false)).hasMessageContaining("Invalid momentum value");
        assertThatThrownBy(() -> new SGD(ps, 0.1, 0.9, 0, -1, false)).hasMessageContaining("Invalid weight_decay value");
        assertThatThrownBy(() -> new SGD(ps, 0.1, 0.9, 0.1, 0, true)).hasMessageContaining("Nesterov momentum requires a momentum and zero dampening");
        assertThatThrownBy(() -> new SGD(ps, 0.1, 0, 0, 0, true)).hasMessageContaining("Nesterov momentum requires");
        assertThatThrownBy(() -> new Adam(ps, 0.1, 1.0, 0.999, 1e-8, 0)).hasMessageContaining("Invalid beta parameter at index 0");
        assertThatThrownBy(() -> new Adam(ps, 0.1, 0.9, -0.1, 1e-8, 0)).hasMessageContaining("Invalid beta parameter at index 1");
        assertThatThrownBy(() -> new AdamW(ps, 0.1, 0.9, 0.999, -1, 0)).hasMessageContaining("Invalid epsilon value");
        assertThatThrownBy(() -> new SGD(Map.of(), 0.1)).hasMessageContaining("empty parameter list");
        assertThatThrownBy(() -> new SGD(ps, 0.1).setLr(Double.NaN)).hasMessageContaining("Invalid learning rate");
    }

    @Test
    void loadingAMismatchedStateFailsClearly() {
        Map<String, Parameter> ps = params(new float[] {1}, new float[] {2});
        SGD sgd = new SGD(ps, 0.1, 0.9, 0, 0, false);
        steps(sgd, 1);
        OptimizerState s = sgd.state();
        assertThatThrownBy(() -> new Adam(ps, 0.1).loadState(s)).hasMessageContaining("cannot load a SGD optimizer state into Adam");
        assertThatThrownBy(() -> new SGD(ps, 0.1, 0.5, 0, 0, false).loadState(s))
                .hasMessageContaining("momentum=0.9").hasMessageContaining("momentum=0.5");
        Map<String, Parameter> other = new LinkedHashMap<>();
        other.put("conv.weight", new Parameter(CPU.zeros(1)));
        assertThatThrownBy(() -> new SGD(other, 0.1, 0.9, 0, 0, false).loadState(s))
                .hasMessageContaining("fc.bias.momentum_buffer").hasMessageContaining("no parameter named 'fc.bias'");
        Map<String, Parameter> reshaped = params(new float[] {1, 2}, new float[] {2});
        assertThatThrownBy(() -> new SGD(reshaped, 0.1, 0.9, 0, 0, false).loadState(s))
                .hasMessageContaining("conv.weight.momentum_buffer").hasMessageContaining("(1,)").hasMessageContaining("(2,)");
    }
}
