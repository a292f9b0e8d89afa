package org.resnet4j.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.cpu.CpuBackend;

/**
 * Every ops layer over the LayerCases matrix: finite differences on the float64 oracle (inputs of
 * ReLU are at least 0.05 from zero and max-pool inputs are distinct values 1/1024 apart, so the 1e-6
 * perturbations never cross a kink), the CPU layers against the oracle layers, and both against
 * PyTorch's goldens.
 */
class LayerChecksTest {
    private static final Goldens GOLDENS = Goldens.load();

    static void assertAllPass(String what, List<CheckResult> rows, int atLeast) {
        assertThat(rows).as(what + " rows").hasSizeGreaterThanOrEqualTo(atLeast);
        assertThat(rows.stream().filter(r -> !r.pass()).map(r -> r.layer() + " " + r.caseName() + " " + r.check() + ": " + r.detail())
                .toList()).as(what).isEmpty();
        System.out.printf("%s: %d checks, worst normwise relative error %.3e%n", what, rows.size(),
                rows.stream().mapToDouble(CheckResult::normRelErr).max().orElseThrow());
    }

    @Test
    void finiteDifferencesOnTheOracleAgreeWithEveryBackwardWithin1e7() {
        List<CheckResult> rows = LayerChecks.finiteDifferences();
        assertAllPass("finite differences", rows, 100);
        // every layer of ops is covered
        assertThat(rows.stream().map(CheckResult::layer).distinct()).contains("Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d",
                "AvgPool2d", "AdaptiveAvgPool2d", "Linear", "Dropout", "ResidualSum", "CrossEntropyLoss");
    }

    @Test
    void cpuLayersMatchTheOracleLayers() {
        assertAllPass("cpu layers vs oracle", LayerChecks.againstOracle(CpuBackend.get()), 150);
    }

    @Test
    void oracleLayersMatchPyTorchFloat64() {
        assertAllPass("oracle layers vs PyTorch f64", LayerChecks.goldens(ReferenceBackend.get(), GOLDENS), 150);
    }

    @Test
    void cpuLayersMatchPyTorchFloat64() {
        assertAllPass("cpu layers vs PyTorch f64", LayerChecks.goldens(CpuBackend.get(), GOLDENS), 150);
    }
}
