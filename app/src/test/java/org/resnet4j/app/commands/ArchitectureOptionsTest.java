package org.resnet4j.app.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.resnet4j.app.Main;
import picocli.CommandLine;

/** The architecture mixin and --milestones on the command line: what they build, and torchvision's refusals. */
class ArchitectureOptionsTest {

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            return new Run(cli.execute(args), out.toString(), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void summaryBuildsTheDilatedAndTheGroupedResNet50() {
        Run plain = run("summary", "--model", "resnet50", "--input-shape", "1,3,64,64");
        Run dilated = run("summary", "--model", "resnet50", "--input-shape", "1,3,64,64", "--replace-stride-with-dilation=false,true,true");
        assertThat(plain.code()).as(plain.err()).isZero();
        assertThat(dilated.code()).as(dilated.err()).isZero();
        // output stride 32 vs 8: layer4's maps are 2x2 plain, 8x8 dilated
        assertThat(plain.out()).contains("(1, 2048, 2, 2)").doesNotContain("(1, 2048, 8, 8)");
        assertThat(dilated.out()).contains("(1, 2048, 8, 8)");
        Run grouped = run("summary", "--model", "resnet50", "--input-shape", "1,3,32,32", "--groups=32", "--width-per-group=4");
        Run resnext = run("summary", "--model", "resnext50_32x4d", "--input-shape", "1,3,32,32");
        assertThat(grouped.code()).isZero();
        // the same table apart from the title line
        assertThat(grouped.out().substring(grouped.out().indexOf('\n'))).isEqualTo(resnext.out().substring(resnext.out().indexOf('\n')));
    }

    @Test
    void torchvisionsRefusalsAreUsageErrorsWithItsReason() {
        assertThat(run("summary", "--model", "resnet18", "--width-per-group=32")).satisfies(r -> {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("BasicBlock only supports groups=1 and base_width=64");
        });
        assertThat(run("profile", "--model", "resnet34", "--replace-stride-with-dilation=true,false,false", "--steps", "1")).satisfies(r -> {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("Dilation > 1 not supported in BasicBlock");
        });
        assertThat(run("summary", "--model", "resnet50", "--replace-stride-with-dilation=true,true,true,true")).satisfies(r -> {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("replace_stride_with_dilation should be None or a 3-element tuple");
        });
        assertThat(run("summary", "--model", "resnet20", "--groups=2")).satisfies(r -> {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("model 'resnet20' does not support the option(s) groups");
        });
        assertThat(run("gradflow", "--models", "resnet8", "--groups=2", "--steps", "1")).satisfies(r -> {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("takes zero_init_residual, but not groups");
        });
    }

    @Test
    void milestonesAreCheckedAsUsageErrors() {
        assertThat(run("train", "--schedule", "cosine", "--milestones", "1,2", "--data", "/nonexistent")).satisfies(r -> {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("--milestones applies to --schedule step or multistep, not 'cosine'");
        });
        assertThat(run("train", "--schedule", "multistep", "--milestones", "3,2", "--data", "/nonexistent")).satisfies(r -> {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("--milestones must increase");
        });
        assertThat(run("train", "--schedule", "step", "--milestones", "1,2", "--data", "/nonexistent")).satisfies(r -> {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("--schedule step takes one --milestones value");
        });
    }
}
