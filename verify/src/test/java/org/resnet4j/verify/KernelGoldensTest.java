package org.resnet4j.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.cpu.CpuBackend;

/** Kernels of the oracle and of the CPU backend, run directly on PyTorch's golden inputs. */
class KernelGoldensTest {
    private static final Goldens GOLDENS = Goldens.load();

    private static void assertAllPass(List<CheckResult> rows) {
        assertThat(rows).hasSizeGreaterThan(100);
        assertThat(rows.stream().filter(r -> !r.pass()).map(r -> r.caseName() + " " + r.check() + ": " + r.detail()).toList())
                .isEmpty();
        System.out.printf("%s: %d checks, worst normwise error %.3e%n", rows.get(0).kind(), rows.size(),
                rows.stream().mapToDouble(CheckResult::normRelErr).max().orElseThrow());
    }

    @Test
    void oracleKernelsMatchPyTorchFloat64() {
        assertAllPass(new KernelGoldens(ReferenceBackend.get()).runAll(GOLDENS));
    }

    @Test
    void cpuKernelsMatchPyTorchFloat64WithinFloat32Tolerance() {
        assertAllPass(new KernelGoldens(CpuBackend.get()).runAll(GOLDENS));
    }
}
