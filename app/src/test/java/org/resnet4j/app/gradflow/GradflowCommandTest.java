package org.resnet4j.app.gradflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.data.TestFiles;

/** The command end to end on a tiny IDX data set the test writes itself. */
class GradflowCommandTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void writeData() throws Exception {
        data = tmp.resolve("digits");
        TestFiles.writeIdxSet(data, "train", 48, 12, 12, 10, false);
        TestFiles.writeIdxSet(data, "t10k", 16, 12, 12, 10, true);
    }

    private record Run(int code, String out, String err) {}

    /** Main.run builds its command line on System.out / System.err, so those are captured around it. */
    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out, oldErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = org.resnet4j.app.Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void reportWritesHtmlChartsAndTables() throws Exception {
        Path out = tmp.resolve("flow");
        Run r = run("gradflow", "--models", "plain8,resnet8", "--steps", "2", "--batch-size", "8", "--data", data.toString(),
                "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        for (String f : List.of("report.html", "report.txt", "layers.csv", "blocks.csv", "training.csv")) {
            assertThat(out.resolve(f)).isRegularFile();
        }
        for (String chart : List.of("init-layer-gradients", "init-weight-gradients", "training-plain8", "training-resnet8", "training-loss")) {
            assertThat(ImageIO.read(out.resolve(chart + ".png").toFile())).as(chart).isNotNull();
            assertThat(Files.readString(out.resolve(chart + ".svg"))).contains("<svg");
        }
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("data:image/png;base64,").contains("<svg").contains("layer1.0").doesNotContain("src=\"init-");
        // 8 weighted layers (7 convs + fc) per model; one residual block per stage in resnet8, none in plain8
        List<String> layers = Files.readAllLines(out.resolve("layers.csv"));
        assertThat(layers.stream().filter(l -> l.startsWith("plain8,"))).hasSize(8);
        assertThat(layers.stream().filter(l -> l.startsWith("resnet8,"))).hasSize(8);
        List<String> blocks = Files.readAllLines(out.resolve("blocks.csv"));
        assertThat(blocks).hasSize(4);
        assertThat(blocks.subList(1, 4)).allMatch(l -> l.startsWith("resnet8,layer"));
        // steps 0..2, one row per stage (stem, layer1..3, fc)
        List<String> training = Files.readAllLines(out.resolve("training.csv"));
        assertThat(training).hasSize(1 + 2 * 3 * 5);
        assertThat(r.out()).contains("inside each residual block").contains("report.html");
    }

    /** The same report on an OpenCL device (PoCL in CI): every number within float32 rounding of the CPU run's. */
    @Test
    void runsOnOpenClWithTheCpuRunsNumbers() throws Exception {
        org.resnet4j.opencl.OpenClTestSupport.backendOrSkip(); // fails in CI without OpenCL, skips elsewhere
        Path cpu = tmp.resolve("flow-cpu"), cl = tmp.resolve("flow-opencl");
        for (Path o : List.of(cpu, cl)) {
            Run r = run("gradflow", "--models", "resnet8", "--steps", "2", "--batch-size", "8", "--data", data.toString(),
                    "--out", o.toString(), "--device", o == cpu ? "cpu" : "opencl:0");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains(o == cpu ? "resnet8 on cpu" : "resnet8 on opencl:");
        }
        for (String csv : List.of("layers.csv", "blocks.csv", "training.csv")) {
            List<String> a = Files.readAllLines(cpu.resolve(csv)), b = Files.readAllLines(cl.resolve(csv));
            assertThat(b).as(csv).hasSameSizeAs(a);
            for (int i = 0; i < a.size(); i++) {
                String[] x = a.get(i).split(","), y = b.get(i).split(",");
                assertThat(y).as(csv + " line " + i).hasSameSizeAs(x);
                for (int j = 0; j < x.length; j++) {
                    Double u = number(x[j]), v = number(y[j]);
                    if (u == null) assertThat(y[j]).as(csv + " line " + i).isEqualTo(x[j]);
                    else assertThat(v).as(csv + " line " + i + " field " + j).isCloseTo(u, within(1e-3 * Math.abs(u) + 1e-6));
                }
            }
        }
    }

    private static Double number(String s) {
        try {
            return Double.valueOf(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Test
    void reportIsConsistentAndDeterministic() throws Exception {
        Path out = tmp.resolve("flow-same");
        Run r = run("gradflow", "--models", "resnet8", "--steps", "0", "--batch-size", "8", "--seed", "5", "--data", data.toString(),
                "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        // in each block row, ||dx||^2 = ||dxMain||^2 + ||dxShortcut||^2 + 2 cos ||dxMain|| ||dxShortcut|| with |cos| <= 1
        for (String line : Files.readAllLines(out.resolve("blocks.csv")).subList(1, 4)) {
            String[] f = line.split(",");
            double main = Double.parseDouble(f[5]), sc = Double.parseDouble(f[6]), dx = Double.parseDouble(f[7]);
            assertThat(dx).isBetween(Math.abs(main - sc) * (1 - 1e-6), (main + sc) * (1 + 1e-6));
            assertThat(Double.parseDouble(f[9])).isBetween(-1.0, 1.0);
        }
        // the same seed gives the same report
        Path again = tmp.resolve("flow-again");
        assertThat(run("gradflow", "--models", "resnet8", "--steps", "0", "--batch-size", "8", "--seed", "5", "--data", data.toString(),
                "--out", again.toString()).code()).isZero();
        assertThat(Files.readString(again.resolve("blocks.csv"))).isEqualTo(Files.readString(out.resolve("blocks.csv")));
        assertThat(Files.readString(again.resolve("layers.csv"))).isEqualTo(Files.readString(out.resolve("layers.csv")));
    }

    @Test
    void degradationWritesCurvesAndFinalErrors() throws Exception {
        Path out = tmp.resolve("degr");
        Run r = run("gradflow", "--experiment", "degradation", "--models", "plain8,resnet8", "--epochs", "1", "--limit", "32",
                "--test-limit", "16", "--batch-size", "8", "--data", data.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(ImageIO.read(out.resolve("degradation-error.png").toFile())).isNotNull();
        assertThat(Files.readString(out.resolve("degradation-error.svg"))).contains("<svg");
        List<String> fin = Files.readAllLines(out.resolve("degradation.csv"));
        assertThat(fin).hasSize(3);
        assertThat(fin.get(1)).startsWith("plain8,plain,8,");
        assertThat(fin.get(2)).startsWith("resnet8,residual,8,");
        for (String l : fin.subList(1, 3)) {
            double trainErr = Double.parseDouble(l.split(",")[4]), testErr = Double.parseDouble(l.split(",")[5]);
            assertThat(trainErr).isBetween(0.0, 1.0);
            assertThat(testErr).isBetween(0.0, 1.0);
        }
        // 32 examples in batches of 8: 4 steps per epoch, one training-error point per quarter epoch
        List<String> curves = Files.readAllLines(out.resolve("degradation-curves.csv"));
        assertThat(curves).hasSize(1 + 2 * 4);
        assertThat(Files.readString(out.resolve("degradation.html"))).contains("data:image/png;base64,").contains("resnet8");
        assertThat(r.out()).contains("train error").contains("degradation.html");
    }

    @Test
    void badInputNamesTheProblem() {
        Run r = run("gradflow", "--models", "resnet9", "--data", data.toString(), "--out", tmp.resolve("bad").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("unknown model 'resnet9'").contains("6n+2");
        Run e = run("gradflow", "--experiment", "vanishing", "--data", data.toString());
        assertThat(e.code()).isEqualTo(1);
        assertThat(e.err()).contains("unknown --experiment 'vanishing'").contains("degradation");
        Run d = run("gradflow", "--models", "resnet8", "--data", tmp.resolve("nowhere").toString());
        assertThat(d.code()).isEqualTo(1);
        assertThat(d.err()).contains("nowhere").contains("does not exist");
        Run s = run("gradflow", "--models", "resnet8", "--steps", "-1", "--data", data.toString());
        assertThat(s.code()).isEqualTo(1);
        assertThat(s.err()).contains("--steps must be >= 0, got -1");
    }
}
