package org.resnet4j.app.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.Main;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.io.SafeTensors;
import org.resnet4j.ops.io.StateDict;
import org.resnet4j.ops.io.StoredTensor;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.verify.Compare;
import org.resnet4j.verify.Goldens;
import org.resnet4j.verify.SeededParams;
import picocli.CommandLine;

/**
 * audit-run end to end against PyTorch: the weights are the seeded ResNet-18 of the resnet18_eval
 * golden, written as a state_dict file; its input and labels are the golden's; the outputs written must
 * match what PyTorch computed in float64.
 */
class AuditRunCommandTest {

    private static int run(StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    private static Path[] fixture(Path dir) throws Exception {
        Goldens.Case g = Goldens.load().get("resnet18_eval");
        Module m = ModelZoo.create("resnet18", ModelOptions.defaults().numClasses(10));
        SeededParams.apply(m);
        Path w = dir.resolve("w.safetensors"), x = dir.resolve("x.safetensors"), l = dir.resolve("l.safetensors");
        StateDict.save(m, w);
        SafeTensors.write(x, Map.of("input", StoredTensor.ofDoubles(g.input("x"), g.inputShape("x"))));
        double[] labels = g.input("labels");
        SafeTensors.write(l, Map.of("labels", StoredTensor.ofLongs(new long[] {(long) labels[0], (long) labels[1]}, 2)));
        return new Path[] {w, x, l};
    }

    @Test
    void writesLogitsLossAndEveryGradientMatchingPyTorch(@TempDir Path dir) throws Exception {
        Goldens.Case g = Goldens.load().get("resnet18_eval");
        Path[] f = fixture(dir);
        for (boolean dbl : new boolean[] {false, true}) {
            Path out = dir.resolve("y" + dbl + ".safetensors");
            StringWriter err = new StringWriter();
            String[] args = {"audit-run", "--model", "resnet18", "--weights", f[0].toString(), "--input", f[1].toString(),
                    "--labels", f[2].toString(), "--out", out.toString()};
            if (dbl) {
                args = java.util.Arrays.copyOf(args, args.length + 1);
                args[args.length - 1] = "--double";
            }
            assertThat(run(err, args)).as(err.toString()).isZero();
            var t = SafeTensors.read(out).tensors();
            double tol = dbl ? 1e-11 : 1e-4;
            assertThat(t.get("logits").dtype().name()).isEqualTo(dbl ? "F64" : "F32");
            assertThat(Compare.normwise(t.get("logits").toDoubles(), g.output("logits", true))).isLessThan(tol);
            assertThat(Math.abs(t.get("loss").toDoubles()[0] - g.output("loss", true)[0])).isLessThan(tol);
            assertThat(Compare.normwise(t.get("input.grad").toDoubles(), g.output("dx", true))).isLessThan(tol);
            assertThat(Compare.normwise(t.get("fc.weight.grad").toDoubles(), g.output("grad.fc.weight", true))).isLessThan(tol);
            assertThat(Compare.normwise(t.get("conv1.weight.grad").toDoubles(), g.output("grad.conv1.weight", true))).isLessThan(tol);
            assertThat(t).containsKeys("layer4.1.bn2.weight.grad", "bn1.running_mean", "layer1.0.bn1.num_batches_tracked");
            assertThat(t.get("bn1.num_batches_tracked").toLongs()).containsExactly(0); // eval mode: untouched
        }
    }

    @Test
    void trainModeUpdatesTheRunningStatistics(@TempDir Path dir) throws Exception {
        Path[] f = fixture(dir);
        Path out = dir.resolve("y.safetensors");
        StringWriter err = new StringWriter();
        assertThat(run(err, "audit-run", "--model", "resnet18", "--weights", f[0].toString(), "--input", f[1].toString(),
                "--out", out.toString(), "--train")).as(err.toString()).isZero();
        var t = SafeTensors.read(out).tensors();
        assertThat(t.get("bn1.num_batches_tracked").toLongs()).containsExactly(1);
        assertThat(t).doesNotContainKey("loss").doesNotContainKey("input.grad");
        assertThat(t.get("bn1.running_mean").toDoubles()).isNotEqualTo(SeededParams.values("bn1.running_mean", new int[] {64}));
    }

    @Test
    void aMissingFileOrUnknownModelIsAClearError(@TempDir Path dir) throws Exception {
        Path[] f = fixture(dir);
        StringWriter err = new StringWriter();
        assertThat(run(err, "audit-run", "--model", "resnet18", "--weights", dir.resolve("nope.safetensors").toString(), "--input",
                f[1].toString(), "--out", dir.resolve("o.safetensors").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("--weights").contains("no such file");
        StringWriter err2 = new StringWriter();
        assertThat(run(err2, "audit-run", "--model", "resnet7", "--weights", f[0].toString(), "--input", f[1].toString(), "--out",
                dir.resolve("o.safetensors").toString())).isEqualTo(2);
        assertThat(err2.toString()).contains("unknown model 'resnet7'");
    }
}
