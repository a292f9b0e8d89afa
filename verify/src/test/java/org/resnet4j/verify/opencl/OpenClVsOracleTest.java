package org.resnet4j.verify.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.verify.BackendConformance;
import org.resnet4j.verify.CheckResult;

/**
 * The OpenCL backend's kernels against the float64 oracle over the whole LayerCases matrix, with
 * BackendConformance's tolerances (1e-5 forward, 1e-4 gradients, normwise relative).
 */
class OpenClVsOracleTest {

    @Test
    void everyKernelOfTheMatrixIsWithinTolerance() {
        var cl = OpenClTestDevice.backendOrSkip();
        List<CheckResult> rows = new BackendConformance(cl).runAll();
        assertThat(rows).hasSizeGreaterThan(200);
        List<String> failures = rows.stream().filter(r -> !r.pass())
                .map(r -> r.layer() + " " + r.caseName() + " " + r.check() + ": " + r.detail()).toList();
        assertThat(failures).as("OpenCL kernels beyond tolerance on " + cl.name()).isEmpty();
        double worst = rows.stream().mapToDouble(CheckResult::normRelErr).max().orElseThrow();
        System.out.printf("%s vs oracle: %d checks, worst normwise relative error %.3e%n", cl.name(), rows.size(), worst);
    }
}
