package org.resnet4j.app.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.Main;
import picocli.CommandLine;

class VerifyCommandTest {

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void auditsTheSelectedLayersAndWritesJsonAndMarkdown(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        Path json = dir.resolve("audit.json"), md = dir.resolve("audit.md");
        int code = run(out, err, "verify", "--only", "ReLU|relu", "--json", json.toString(), "--markdown", md.toString());
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("ReLU", "relu_3x5x7x7", "fd dx", "golden[cpu] y", "PASS");
        JsonNode j = new ObjectMapper().readTree(Files.readString(json));
        assertThat(j.get("passed").asBoolean()).isTrue();
        assertThat(j.get("rows").size()).isGreaterThan(10);
        assertThat(Files.readString(md)).contains("# resnet4j numerical audit", "| ReLU | relu_1x17x1x1 |");
    }

    @Test
    void aPatternMatchingNothingIsAnError() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertThat(run(out, err, "verify", "--only", "no-such-layer")).isEqualTo(1);
        assertThat(err.toString()).contains("matches no layer or case");
    }

    @Test
    void anInvalidPatternIsAUsageError() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertThat(run(out, err, "verify", "--only", "([")).isEqualTo(2);
        assertThat(err.toString()).contains("not a valid regular expression");
    }

    @Test
    void anOpenClDeviceIsAuditedAlongsideTheCpu() {
        org.resnet4j.opencl.OpenClBackend cl = org.resnet4j.opencl.OpenClTestSupport.backendOrSkip();
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = run(out, err, "verify", "--only", "ReLU|relu", "--device", "opencl");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("golden[cpu] y", "golden[" + cl.name() + "] y", "PASS");
    }

    @Test
    void anUnknownDeviceIsAUsageError() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertThat(run(out, err, "verify", "--only", "ReLU", "--device", "tpu")).isEqualTo(2);
        assertThat(err.toString()).contains("--device must be cpu, opencl");
    }
}
