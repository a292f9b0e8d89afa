package org.resnet4j.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.resnet4j.core.Backend;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.io.AtomicFile;

/**
 * The numerical audit: runs every check the verify module knows and collects one row per layer, case
 * and check: finite differences on the float64 oracle, a fast backend against the oracle (kernels and
 * layers), and the oracle and the fast backend against PyTorch's goldens (kernels, layers, blocks and
 * models). Renders the rows as a terminal table, Markdown and JSON.
 */
public final class AuditReport {
    /** A named group of checks; the report runs the sections whose rows the pattern can match. */
    public record Section(String name, Function<Predicate<String>, List<CheckResult>> run) {}

    private final List<CheckResult> rows;
    private final String pattern;

    private AuditReport(List<CheckResult> rows, String pattern) {
        this.rows = rows;
        this.pattern = pattern;
    }

    /** The standard sections for the CPU backend plus any extra backends (e.g. an OpenCL device). */
    public static List<Section> standardSections(List<Backend> extraBackends) {
        List<Backend> fast = new ArrayList<>();
        fast.add(CpuBackend.get());
        fast.addAll(extraBackends);
        List<Section> s = new ArrayList<>();
        s.add(new Section("finite differences on the float64 oracle", LayerChecks::finiteDifferences));
        for (Backend b : fast) {
            s.add(new Section(b.name() + " kernels vs oracle", only -> new BackendConformance(b).runAll(only)));
            s.add(new Section(b.name() + " layers vs oracle", only -> LayerChecks.againstOracle(b, only)));
        }
        List<Backend> all = new ArrayList<>();
        all.add(ReferenceBackend.get());
        all.addAll(fast);
        for (Backend b : all) {
            s.add(new Section(b.name() + " kernels vs PyTorch", only -> new KernelGoldens(b).runAll(Goldens.load(), only)));
            s.add(new Section(b.name() + " layers vs PyTorch", only -> LayerChecks.goldens(b, Goldens.load(), only)));
            s.add(new Section(b.name() + " blocks, models and trajectories vs PyTorch", only -> ModelGoldens.run(b, Goldens.load(), only)));
        }
        return s;
    }

    /**
     * Runs the sections on the cases whose "layer/case" name (e.g. {@code Conv2d/conv_stride2}) matches
     * {@code only}, a case-insensitive regular expression found anywhere in it; null runs everything.
     */
    public static AuditReport run(List<Section> sections, String only, Consumer<String> progress) {
        Pattern p = only == null ? null : Pattern.compile(only, Pattern.CASE_INSENSITIVE);
        Predicate<String> filter = p == null ? s -> true : s -> p.matcher(s).find();
        List<CheckResult> rows = new ArrayList<>();
        for (Section s : sections) {
            progress.accept(s.name());
            for (CheckResult r : s.run().apply(filter)) {
                if (filter.test(r.layer() + "/" + r.caseName())) rows.add(r);
            }
        }
        return new AuditReport(rows, only);
    }

    public static AuditReport of(List<CheckResult> rows) {
        return new AuditReport(List.copyOf(rows), null);
    }

    public List<CheckResult> rows() {
        return rows;
    }

    public boolean passed() {
        return !rows.isEmpty() && rows.stream().allMatch(CheckResult::pass);
    }

    public long failures() {
        return rows.stream().filter(r -> !r.pass()).count();
    }

    /** The worst row (largest normwise error, NaN first) of each check kind, in order of first appearance. */
    public Map<String, CheckResult> worstPerKind() {
        Map<String, CheckResult> out = new LinkedHashMap<>();
        for (CheckResult r : rows) {
            out.merge(r.kind(), r, (a, b) -> worse(b, a) ? b : a);
        }
        return out;
    }

    private static boolean worse(CheckResult a, CheckResult b) {
        if (Double.isNaN(a.normRelErr())) return !Double.isNaN(b.normRelErr());
        if (Double.isNaN(b.normRelErr())) return false;
        return a.normRelErr() > b.normRelErr();
    }

    /** PASS, FAIL, or PASS (ill-conditioned) where the tolerance had to follow the conditioning estimate. */
    static String verdict(CheckResult r) {
        return !r.pass() ? "FAIL" : r.illConditioned() ? "PASS (ill-conditioned)" : "PASS";
    }

    static String num(double v) {
        if (Double.isNaN(v)) return "n/a";
        if (v == 0) return "0";
        return String.format(Locale.ROOT, "%.2e", v);
    }

    // ------------------------------------------------------------------ renderings

    /** A fixed-width table, one row per check, then the summary. */
    public String table() {
        String[] head = {"layer", "case", "check", "max abs err", "norm rel err", "f32 conditioning", "tolerance", "result"};
        List<String[]> body = new ArrayList<>();
        for (CheckResult r : rows) {
            body.add(new String[] {r.layer(), r.caseName(), r.check(), num(r.maxAbsErr()), num(r.normRelErr()), num(r.conditioning()),
                    num(r.tolerance()), verdict(r)});
        }
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) w[i] = head[i].length();
        for (String[] b : body) for (int i = 0; i < b.length; i++) w[i] = Math.max(w[i], b[i].length());
        StringBuilder sb = new StringBuilder();
        appendRow(sb, head, w);
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < w.length; i++) rule.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
        sb.append(rule).append('\n');
        for (String[] b : body) appendRow(sb, b, w);
        sb.append('\n');
        for (CheckResult r : rows) {
            if (!r.pass()) sb.append("FAIL ").append(r.layer()).append(' ').append(r.caseName()).append(' ').append(r.check())
                    .append(": ").append(r.detail()).append('\n');
        }
        sb.append(summary());
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, String[] cells, int[] w) {
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) sb.append("  ");
            boolean numeric = i >= 3 && i <= 6;
            sb.append(numeric ? String.format("%" + w[i] + "s", cells[i]) : String.format("%-" + w[i] + "s", cells[i]));
        }
        sb.append('\n');
    }

    /** Worst normwise error per check kind, and the verdict; the columns are as wide as their widest entry (device names vary). */
    public String summary() {
        StringBuilder sb = new StringBuilder("worst normwise relative error per check kind:\n");
        Map<String, CheckResult> worst = worstPerKind();
        int kindWidth = 1, errWidth = 1;
        for (var e : worst.entrySet()) {
            kindWidth = Math.max(kindWidth, e.getKey().length());
            errWidth = Math.max(errWidth, num(e.getValue().normRelErr()).length());
        }
        for (var e : worst.entrySet()) {
            CheckResult r = e.getValue();
            String rest = r.check().substring(e.getKey().length()).trim(); // the check without its kind: "dx", "forward"
            sb.append(String.format(Locale.ROOT, "  %-" + kindWidth + "s  %" + errWidth + "s  (%s %s %s, tolerance %s)%n", e.getKey(),
                    num(r.normRelErr()), r.layer(), r.caseName(), rest, num(r.tolerance())));
        }
        sb.append(rows.size()).append(" checks, ").append(failures()).append(" failed: ")
                .append(rows.isEmpty() ? "NOTHING CHECKED" : passed() ? "PASS" : "FAIL").append('\n');
        return sb.toString();
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder("# resnet4j numerical audit\n\n");
        sb.append("Normwise relative error is ||a-b|| / ||b|| with b the reference. ");
        sb.append("Check kinds: `fd` = central finite differences on the float64 oracle; `vs-oracle[B]` = backend B's kernels ");
        sb.append("against the oracle's; `layer-vs-oracle[B]` = the same layers on B and on the oracle; `golden-kernel[B]` and ");
        sb.append("`golden[B]` = kernels and layers (blocks, models) on B against PyTorch's float64 results.\n\n");
        sb.append("f32 conditioning: how much the case amplifies float32 rounding, as the normwise error of a float32 computation ");
        sb.append("by rounding alone (against PyTorch: PyTorch's own float32 result against its float64 one). The tolerance is ");
        sb.append("max(case bound, 10 x that); *ill-conditioned* marks rows where it is the estimate that sets the tolerance: there ");
        sb.append("float32 itself, PyTorch's included, is off by about as much.\n\n");
        if (pattern != null) sb.append("Filtered with `--only ").append(md(pattern)).append("`.\n\n");
        sb.append("## Summary\n\n| check kind | worst norm rel err | where | tolerance |\n|---|---:|---|---:|\n");
        for (var e : worstPerKind().entrySet()) {
            CheckResult r = e.getValue();
            sb.append("| ").append(md(e.getKey())).append(" | ").append(num(r.normRelErr())).append(" | ").append(md(r.layer() + " " + r.caseName()))
                    .append(" | ").append(num(r.tolerance())).append(" |\n");
        }
        sb.append("\n**").append(rows.size()).append(" checks, ").append(failures()).append(" failed: ")
                .append(passed() ? "PASS" : "FAIL").append("**\n\n## All checks\n\n");
        sb.append("| layer | case | check | max abs err | norm rel err | f32 conditioning | tolerance | result |\n"
                + "|---|---|---|---:|---:|---:|---:|---|\n");
        for (CheckResult r : rows) {
            sb.append("| ").append(md(r.layer())).append(" | ").append(md(r.caseName())).append(" | ").append(md(r.check())).append(" | ")
                    .append(num(r.maxAbsErr())).append(" | ").append(num(r.normRelErr())).append(" | ").append(num(r.conditioning()))
                    .append(" | ").append(num(r.tolerance()))
                    .append(" | ").append(r.pass() ? (r.illConditioned() ? "PASS *ill-conditioned*" : "PASS") : "**FAIL**").append(" |\n");
        }
        if (failures() > 0) {
            sb.append("\n## Failures\n\n");
            for (CheckResult r : rows) if (!r.pass()) sb.append("- ").append(md(r.layer() + " " + r.caseName() + " " + r.check() + ": " + r.detail())).append('\n');
        }
        return sb.toString();
    }

    private static String md(String s) {
        return s.replace("|", "\\|");
    }

    public String json() {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        root.put("passed", passed());
        root.put("checks", rows.size());
        root.put("failures", failures());
        if (pattern != null) root.put("only", pattern);
        ObjectNode worst = root.putObject("worst_per_kind");
        for (var e : worstPerKind().entrySet()) {
            ObjectNode w = worst.putObject(e.getKey());
            put(w, "norm_rel_err", e.getValue().normRelErr());
            w.put("layer", e.getValue().layer());
            w.put("case", e.getValue().caseName());
            w.put("check", e.getValue().check());
        }
        ArrayNode arr = root.putArray("rows");
        for (CheckResult r : rows) {
            ObjectNode o = arr.addObject();
            o.put("layer", r.layer());
            o.put("case", r.caseName());
            o.put("check", r.check());
            put(o, "max_abs_err", r.maxAbsErr());
            put(o, "norm_rel_err", r.normRelErr());
            put(o, "f32_conditioning", r.conditioning());
            put(o, "tolerance", r.tolerance());
            o.put("ill_conditioned", r.illConditioned());
            o.put("result", r.pass() ? "PASS" : "FAIL");
            if (!r.detail().isEmpty()) o.put("detail", r.detail());
        }
        try {
            return om.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot render the audit as JSON: " + e.getMessage(), e);
        }
    }

    /** JSON has no NaN or infinity: such values are written as null. */
    private static void put(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    /** Writes text atomically (temporary file in the same folder, fsync, rename). */
    public static void writeAtomically(Path target, String text) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        AtomicFile.write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
