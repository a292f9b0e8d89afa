package org.resnet4j.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.cpu.CpuBackend;

/** The CPU backend's float32 kernels against the float64 oracle over the whole LayerCases matrix. */
class CpuBackendVsOracleTest {

    @Test
    void everyKernelOfTheMatrixIsWithinTolerance() {
        List<CheckResult> rows = new BackendConformance(CpuBackend.get()).runAll();
        assertThat(rows).hasSizeGreaterThan(200);
        List<String> failures = rows.stream().filter(r -> !r.pass())
                .map(r -> r.layer() + " " + r.caseName() + " " + r.check() + ": " + r.detail()).toList();
        assertThat(failures).as("kernels beyond tolerance").isEmpty();
        double worst = rows.stream().mapToDouble(CheckResult::normRelErr).max().orElseThrow();
        System.out.printf("cpu vs oracle: %d checks, worst normwise relative error %.3e%n", rows.size(), worst);
    }
}
