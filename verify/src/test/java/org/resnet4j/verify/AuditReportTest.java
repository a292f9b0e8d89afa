package org.resnet4j.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditReportTest {
    private static final CheckResult OK = new CheckResult("Conv2d", "conv_a", "fd dx", 1e-12, 2e-10, 1e-7, true, "");
    private static final CheckResult BAD = new CheckResult("ReLU", "relu_b", "golden[cpu] y", 0.5, 0.1, 1e-5, false,
            "y (1, 2): worst at (0, 1): actual 1, expected 0.5");

    @Test
    void rendersEveryRowInTableMarkdownAndJson() throws Exception {
        AuditReport r = AuditReport.of(List.of(OK, BAD));
        assertThat(r.passed()).isFalse();
        assertThat(r.table()).contains("conv_a", "relu_b", "PASS", "FAIL", "2.00e-10", "worst at (0, 1)", "1 failed: FAIL");
        assertThat(r.markdown()).contains("| Conv2d | conv_a | fd dx |", "**FAIL**", "## Failures");
        JsonNode j = new ObjectMapper().readTree(r.json());
        assertThat(j.get("passed").asBoolean()).isFalse();
        assertThat(j.get("rows")).hasSize(2);
        assertThat(j.get("worst_per_kind").get("golden[cpu]").get("norm_rel_err").asDouble()).isEqualTo(0.1);
    }

    @Test
    void nanErrorsFailAndAreWrittenAsNull() throws Exception {
        CheckResult err = CheckResult.error("Linear", "lin", "fd run", new IllegalStateException("boom"));
        AuditReport r = AuditReport.of(List.of(OK, err));
        assertThat(r.passed()).isFalse();
        assertThat(r.worstPerKind().get("fd")).isEqualTo(err);
        assertThat(new ObjectMapper().readTree(r.json()).get("rows").get(1).get("norm_rel_err").isNull()).isTrue();
    }

    @Test
    void summaryColumnsLineUpWhenADeviceNameHasSpaces() {
        String device = "opencl:cpu-haswell-Intel(R) Xeon(R) CPU @ 2.20GHz";
        CheckResult onDevice = new CheckResult("Conv2d", "conv_stride2", "vs-oracle[" + device + "] forward", 1e-6, 3e-7, 1e-5, true, "");
        CheckResult golden = new CheckResult("BatchNorm2d", "bn_train", "golden[" + device + "] dx", 1e-6, 4.5e-6, 1e-4, true, "");
        AuditReport r = AuditReport.of(List.of(OK, onDevice, golden));
        // the device's rows are grouped under their whole kind, brackets and spaces included
        assertThat(r.worstPerKind()).containsOnlyKeys("fd", "vs-oracle[" + device + "]", "golden[" + device + "]");
        List<String> lines = r.summary().lines().skip(1).limit(3).toList();
        assertThat(lines).containsExactly(
                "  fd" + " ".repeat(60) + "2.00e-10  (Conv2d conv_a dx, tolerance 1.00e-07)",
                "  vs-oracle[" + device + "]  3.00e-07  (Conv2d conv_stride2 forward, tolerance 1.00e-05)",
                "  golden[" + device + "]     4.50e-06  (BatchNorm2d bn_train dx, tolerance 1.00e-04)");
    }

    @Test
    void anEmptyAuditDoesNotPass() {
        assertThat(AuditReport.of(List.of()).passed()).isFalse();
    }

    @Test
    void onlyKeepsMatchingRowsAndSectionsRunInOrder(@TempDir Path dir) throws Exception {
        List<String> seen = new ArrayList<>();
        AuditReport r = AuditReport.run(List.of(new AuditReport.Section("one", only -> List.of(OK, BAD))), "conv", seen::add);
        assertThat(seen).containsExactly("one");
        assertThat(r.rows()).containsExactly(OK);
        assertThat(r.passed()).isTrue();
        Path out = dir.resolve("sub/audit.md");
        AuditReport.writeAtomically(out, r.markdown());
        assertThat(Files.readString(out)).contains("conv_a").contains("--only conv");
    }
}
