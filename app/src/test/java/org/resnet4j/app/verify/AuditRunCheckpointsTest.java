package org.resnet4j.app.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.Main;
import org.resnet4j.ops.api.Classifier;
import org.resnet4j.ops.io.SafeTensors;
import org.resnet4j.ops.io.StoredTensor;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.verify.Compare;
import org.resnet4j.verify.Goldens;
import org.resnet4j.verify.SeededParams;
import picocli.CommandLine;

/**
 * A dilated ResNet-50 and a ResNeXt-50 32x4d exported by PyTorch (the "Checkpoint" goldens of
 * verify/goldens/generate.py) run through audit-run with the architecture flags and match PyTorch's
 * float64 outputs. The 100 MB exports are not committed: they are rebuilt here from SeededParams and
 * must hash to the SHA-256 of the file PyTorch wrote, so audit-run reads byte for byte PyTorch's export.
 */
class AuditRunCheckpointsTest {

    private static int run(StringWriter err, List<String> args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(args.toArray(String[]::new));
    }

    /** The state_dict PyTorch exported, rebuilt from the manifest's keys and SeededParams, checked against its hash. */
    static Path pytorchExport(Goldens.Case g, Path dir) throws Exception {
        Map<String, StoredTensor> sd = new LinkedHashMap<>();
        for (JsonNode e : g.config().get("state_dict")) {
            String name = e.get(0).asText();
            int[] shape = new int[e.get(2).size()];
            for (int i = 0; i < shape.length; i++) shape[i] = e.get(2).get(i).asInt();
            switch (e.get(1).asText()) {
                case "F32" -> {
                    double[] v = SeededParams.values(name, shape);
                    float[] f = new float[v.length];
                    for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
                    sd.put(name, StoredTensor.ofFloats(f, shape));
                }
                case "I64" -> sd.put(name, StoredTensor.ofLongs(new long[] {0}, shape));
                default -> throw new IllegalStateException("unexpected dtype in the manifest: " + e);
            }
        }
        Path w = dir.resolve(g.name() + ".safetensors");
        SafeTensors.write(w, sd);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(w)));
        assertThat(sha).as("the rebuilt file is not PyTorch's export").isEqualTo(g.config().get("state_dict_sha256").asText());
        return w;
    }

    static List<String> flags(Goldens.Case g) {
        List<String> f = new ArrayList<>();
        g.config().get("audit_run_flags").forEach(n -> f.add(n.asText()));
        return f;
    }

    static Path[] inputs(Goldens.Case g, Path dir) throws Exception {
        Path x = dir.resolve("x.safetensors"), l = dir.resolve("l.safetensors");
        SafeTensors.write(x, Map.of("input", StoredTensor.ofDoubles(g.input("x"), g.inputShape("x"))));
        double[] labels = g.input("labels");
        SafeTensors.write(l, Map.of("labels", StoredTensor.ofLongs(new long[] {(long) labels[0], (long) labels[1]}, 2)));
        return new Path[] {x, l};
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet50_dilated", "resnext50_32x4d"})
    void aPyTorchExportRunWithTheFlagsMatchesPyTorchFloat64(String name, @TempDir Path dir) throws Exception {
        Goldens.Case g = Goldens.load().get(name);
        Path w = pytorchExport(g, dir);
        Path[] xl = inputs(g, dir);
        Path out = dir.resolve("y.safetensors");
        List<String> args = new ArrayList<>(List.of("audit-run", "--weights", w.toString(), "--input", xl[0].toString(),
                "--labels", xl[1].toString(), "--out", out.toString()));
        args.addAll(flags(g));
        StringWriter err = new StringWriter();
        assertThat(run(err, args)).as(err.toString()).isZero();
        var t = SafeTensors.read(out).tensors();
        for (String o : g.outputNames()) {
            assertThat(t).as(o).containsKey(o);
            assertThat(Compare.normwise(t.get(o).toDoubles(), g.output(o, true))).as(name + " " + o).isLessThanOrEqualTo(g.tolerance(o, false));
        }
        // PyTorch's export names no architecture: for the dilated one, say what was assumed
        if (name.equals("resnet50_dilated")) {
            assertThat(err.toString()).contains("carries no architecture record").contains("assumed replace_stride_with_dilation=false,true,true");
        }
    }

    @Test
    void withAReferenceItReportsEachErrorNextToAConditioningEstimate(@TempDir Path dir) throws Exception {
        Goldens.Case g = Goldens.load().get("resnext50_32x4d");
        Path w = pytorchExport(g, dir);
        Path[] xl = inputs(g, dir);
        Map<String, StoredTensor> ref = new LinkedHashMap<>();
        for (String o : g.outputNames()) ref.put(o, StoredTensor.ofDoubles(g.output(o, true), g.outputShape(o)));
        Path r = dir.resolve("ref.safetensors"), md = dir.resolve("audit.md"), js = dir.resolve("audit.json");
        SafeTensors.write(r, ref);
        List<String> args = new ArrayList<>(List.of("audit-run", "--weights", w.toString(), "--input", xl[0].toString(), "--labels",
                xl[1].toString(), "--out", dir.resolve("y.safetensors").toString(), "--reference", r.toString(),
                "--markdown", md.toString(), "--json", js.toString()));
        args.addAll(flags(g));
        StringWriter err = new StringWriter();
        assertThat(run(err, args)).as(err.toString()).isZero();
        JsonNode rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(js.toFile()).get("rows");
        assertThat(rows).hasSize(g.outputNames().size());
        for (JsonNode row : rows) {
            assertThat(row.get("result").asText()).as(row.toString()).isEqualTo("PASS");
            // eval mode is well conditioned: rounding alone costs about float32's unit roundoff, far below the 1e-4 bound
            assertThat(row.get("f32_conditioning").asDouble()).as(row.toString()).isLessThan(1e-5);
            assertThat(row.get("ill_conditioned").asBoolean()).isFalse();
        }
        assertThat(Files.readString(md)).contains("f32 conditioning").contains("vs-reference input.grad");
    }

    @Test
    void withoutTheDilationFlagTheSameWeightsGiveOtherLogitsAndTheAssumptionIsNamed(@TempDir Path dir) throws Exception {
        Goldens.Case g = Goldens.load().get("resnet50_dilated");
        Path w = pytorchExport(g, dir);
        Path[] xl = inputs(g, dir);
        Path out = dir.resolve("y.safetensors");
        StringWriter err = new StringWriter();
        assertThat(run(err, List.of("audit-run", "--model", "resnet50", "--weights", w.toString(), "--input", xl[0].toString(),
                "--out", out.toString()))).as(err.toString()).isZero();
        assertThat(err.toString()).contains("assumed replace_stride_with_dilation=false,false,false");
        assertThat(Compare.normwise(SafeTensors.read(out).tensors().get("logits").toDoubles(), g.output("logits", true))).isGreaterThan(1e-2);
    }

    @Test
    void aResnet4jCheckpointOfOneArchitectureIsRefusedAsAnother(@TempDir Path dir) throws Exception {
        Goldens.Case g = Goldens.load().get("resnet50_dilated");
        Path[] xl = inputs(g, dir);
        Path saved = dir.resolve("dilated.safetensors");
        Classifier.create("resnet50", ModelOptions.defaults().numClasses(10).replaceStrideWithDilation(false, true, true)).save(saved);
        StringWriter err = new StringWriter();
        assertThat(run(err, List.of("audit-run", "--model", "resnet50", "--weights", saved.toString(), "--input", xl[0].toString(),
                "--out", dir.resolve("o.safetensors").toString()))).isEqualTo(1);
        assertThat(err.toString()).contains(saved.toString())
                .contains("option replace_stride_with_dilation: checkpoint false,true,true, requested false,false,false");
        assertThat(dir.resolve("o.safetensors")).doesNotExist();
    }

    @Test
    void combinationsTorchvisionRejectsAreUsageErrorsWithItsReason(@TempDir Path dir) throws Exception {
        Goldens.Case g = Goldens.load().get("resnext50_32x4d");
        Path[] xl = inputs(g, dir);
        String[][] cases = {
                {"resnet18", "--groups=2", "BasicBlock only supports groups=1 and base_width=64"},
                {"resnet18", "--replace-stride-with-dilation=false,false,true", "Dilation > 1 not supported in BasicBlock"},
                {"resnet50", "--replace-stride-with-dilation=false,true", "replace_stride_with_dilation should be None or a 3-element tuple"},
                {"resnext50_32x4d", "--groups=8", "The parameter 'groups' expected value 32 but got 8"},
        };
        for (String[] c : cases) {
            StringWriter err = new StringWriter();
            assertThat(run(err, List.of("audit-run", "--model", c[0], c[1], "--weights", xl[0].toString(), "--input", xl[0].toString(),
                    "--out", dir.resolve("o.safetensors").toString()))).as(err.toString()).isEqualTo(2);
            assertThat(err.toString()).as(String.join(" ", c)).contains(c[2]);
        }
    }
}
