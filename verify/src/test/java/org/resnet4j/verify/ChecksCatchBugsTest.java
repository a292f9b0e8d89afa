package org.resnet4j.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;

/** The checks fail when something is wrong: a backend with one bad kernel, a backward with a wrong formula. */
class ChecksCatchBugsTest {

    /** The CPU backend, except that one kernel's output is scaled by 1.001 afterwards. */
    private static Backend withBadKernel(String method, int outputArg) {
        Backend cpu = CpuBackend.get();
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (p, m, args) -> {
            if (m.getName().equals("name")) return "broken-" + method;
            Object r;
            try {
                r = m.invoke(cpu, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (m.getName().equals(method)) {
                Tensor out = (Tensor) args[outputArg];
                cpu.scale(out, 1.001, out);
            }
            return r;
        });
    }

    @Test
    void conformanceFlagsABrokenKernelAndNamesIt() {
        List<CheckResult> rows = new BackendConformance(withBadKernel("conv2dBackwardWeight", 3)).runAll(s -> s.startsWith("Conv2d/"));
        List<CheckResult> failed = rows.stream().filter(r -> !r.pass()).toList();
        assertThat(failed).isNotEmpty().allMatch(r -> r.check().contains("dweight"));
        assertThat(failed.get(0).detail()).contains("worst at (");
    }

    @Test
    void kernelGoldensFlagABrokenKernel() {
        List<CheckResult> rows = new KernelGoldens(withBadKernel("avgPool2dForward", 2)).runAll(Goldens.load(), s -> s.startsWith("AvgPool2d/"));
        assertThat(rows.stream().filter(r -> !r.pass()).map(CheckResult::check)).isNotEmpty().allMatch(c -> c.endsWith(" y"));
    }

    @Test
    void finiteDifferencesFlagAWrongBackward() {
        // ReLU on the oracle, but backward claims dy passes everywhere (the mask forgotten)
        LayerCases.ShapeCase c = new LayerCases.ShapeCase("relu_wrong", 1, 3, 2, 2);
        Subject good = Subjects.build(c, ReferenceBackend.get(), Values.random("relu_wrong"));
        Subject bad = new Subject() {
            public String layer() {
                return "ReLU";
            }

            public String caseName() {
                return "relu_wrong";
            }

            public Map<String, Tensor> variables() {
                return good.variables();
            }

            public String gradientName(String v) {
                return "dx";
            }

            public Tensor forward() {
                return good.forward();
            }

            public Map<String, Tensor> backward(Tensor dy) {
                return Map.of("dx", ReferenceBackend.get().copyOf(dy));
            }
        };
        assertThat(GradCheck.check(good, 100, GradCheck.TOLERANCE).get(0).pass()).isTrue();
        Comparison c2 = GradCheck.check(bad, 100, GradCheck.TOLERANCE).get(0);
        assertThat(c2.pass()).isFalse();
        assertThat(c2.normRelErr()).isGreaterThan(0.1);
    }
}
