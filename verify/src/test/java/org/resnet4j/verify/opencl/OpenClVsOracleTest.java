package org.resnet4j.verify.opencl;

import org.resnet4j.opencl.OpenClTestSupport;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.verify.BackendConformance;
import org.resnet4j.verify.CheckResult;
import org.resnet4j.verify.Goldens;
import org.resnet4j.verify.KernelGoldens;
import org.resnet4j.verify.LayerChecks;

/**
 * The OpenCL backend held to the same references as the CPU backend: the float64 oracle over the
 * LayerCases matrix (kernel by kernel and through the ops layers) and PyTorch's goldens, with
 * verify's tolerances (1e-5 forward, 1e-4 gradients, normwise relative, unless a golden's manifest
 * says why PyTorch's own float32 needs more).
 */
class OpenClVsOracleTest {

    static void assertAllPass(String what, List<CheckResult> rows, int atLeast) {
        assertThat(rows).as(what + " rows").hasSizeGreaterThanOrEqualTo(atLeast);
        assertThat(rows.stream().filter(r -> !r.pass()).map(r -> r.layer() + " " + r.caseName() + " " + r.check() + ": " + r.detail())
                .toList()).as(what).isEmpty();
        System.out.printf("%s: %d checks, worst normwise relative error %.3e%n", what, rows.size(),
                rows.stream().mapToDouble(CheckResult::normRelErr).max().orElseThrow());
    }

    @Test
    void kernelsMatchTheOracleOverTheMatrix() {
        var cl = OpenClTestSupport.backendOrSkip();
        assertAllPass(cl.name() + " kernels vs oracle", new BackendConformance(cl).runAll(), 200);
    }

    @Test
    void layersMatchTheOracleLayers() {
        var cl = OpenClTestSupport.backendOrSkip();
        assertAllPass(cl.name() + " layers vs oracle", LayerChecks.againstOracle(cl), 150);
    }

    @Test
    void kernelsAndLayersMatchPyTorch() {
        var cl = OpenClTestSupport.backendOrSkip();
        Goldens goldens = Goldens.load();
        assertAllPass(cl.name() + " kernels vs PyTorch", new KernelGoldens(cl).runAll(goldens), 100);
        assertAllPass(cl.name() + " layers vs PyTorch", LayerChecks.goldens(cl, goldens), 150);
    }
}
