package org.resnet4j.verify;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.resnet4j.core.Backend;
import org.resnet4j.core.DType;
import org.resnet4j.core.Tensor;

/**
 * The layer-level checks, each over the whole {@link LayerCases} matrix or the goldens:
 * finite differences on the oracle ({@link #finiteDifferences}), a backend's layers against the same
 * layers on the oracle ({@link #againstOracle}), and layers against PyTorch's goldens ({@link #goldens}).
 */
public final class LayerChecks {
    /** Elements checked per variable by finite differences; small variables are checked whole. */
    public static final int FD_SAMPLES = 120;

    private LayerChecks() {}

    private static List<CheckResult> guarded(String layer, String name, String check, java.util.function.Supplier<List<CheckResult>> body) {
        try {
            return body.get();
        } catch (RuntimeException e) {
            return List.of(CheckResult.error(layer, name, check, e));
        }
    }

    /** Finite differences of every layer case on the float64 oracle. */
    public static List<CheckResult> finiteDifferences() {
        return finiteDifferences(s -> true);
    }

    /** Only the cases whose "layer/case" name the filter accepts. */
    public static List<CheckResult> finiteDifferences(Predicate<String> only) {
        List<CheckResult> out = new ArrayList<>();
        for (Object spec : LayerCases.all()) {
            if (!Subjects.layerSupports(spec)) continue;
            String name = caseName(spec), layer = Subjects.layerOf(spec);
            if (!only.test(layer + "/" + name)) continue;
            out.addAll(guarded(layer, name, "fd run", () -> {
                Subject s = Subjects.build(spec, ReferenceBackend.get(), Values.random(name));
                List<CheckResult> rows = new ArrayList<>();
                for (Comparison c : GradCheck.check(s, FD_SAMPLES, GradCheck.TOLERANCE)) {
                    rows.add(CheckResult.of(layer, name, "fd " + c.what(), c));
                }
                return rows;
            }));
        }
        return out;
    }

    /** The same layers with the same values on {@code fast} and on the oracle: forward, every gradient, running stats. */
    public static List<CheckResult> againstOracle(Backend fast) {
        return againstOracle(fast, s -> true);
    }

    public static List<CheckResult> againstOracle(Backend fast, Predicate<String> only) {
        List<CheckResult> out = new ArrayList<>();
        String kind = "layer-vs-oracle[" + fast.name() + "] ";
        for (Object spec : LayerCases.all()) {
            if (!Subjects.layerSupports(spec)) continue;
            String name = caseName(spec), layer = Subjects.layerOf(spec);
            if (!only.test(layer + "/" + name)) continue;
            out.addAll(guarded(layer, name, kind + "run", () -> {
                Map<String, Tensor> f = runOnce(Subjects.build(spec, fast, Values.random(name)), fast, Values.random(name + "/dy"));
                Map<String, Tensor> r = runOnce(Subjects.build(spec, ReferenceBackend.get(), Values.random(name)),
                        ReferenceBackend.get(), Values.random(name + "/dy"));
                List<CheckResult> rows = new ArrayList<>();
                for (Map.Entry<String, Tensor> e : r.entrySet()) {
                    boolean forward = e.getKey().equals("y") || e.getKey().equals("loss") || e.getKey().equals("probs")
                            || e.getKey().startsWith("running") || e.getKey().startsWith("after.");
                    double tol = forward ? BackendConformance.FORWARD_TOL : BackendConformance.GRAD_TOL;
                    rows.add(CheckResult.of(layer, name, kind + e.getKey(),
                            Compare.normwise(e.getKey(), e.getValue().shape(), f.get(e.getKey()).toDoubles(), e.getValue().toDoubles(), tol)));
                }
                return rows;
            }));
        }
        return out;
    }

    /** Forward, backward with dy from {@code dyValues}; every output by golden name. */
    static Map<String, Tensor> runOnce(Subject s, Backend be, Values dyValues) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Tensor y = s.forward();
        out.put(s.outputName(), y);
        out.putAll(s.state());
        Tensor dy = s.outputName().equals("loss") ? be.fromDoubles(new double[] {1.0}, 1)
                : be.fromDoubles(dyValues.get("dy", y.shape(), Values.Kind.SIGNED), y.shape());
        out.putAll(s.backward(dy));
        return out;
    }

    /** Every layer golden: our layer on {@code be} from PyTorch's inputs, against PyTorch's float64 results. */
    public static List<CheckResult> goldens(Backend be, Goldens goldens) {
        return goldens(be, goldens, s -> true);
    }

    public static List<CheckResult> goldens(Backend be, Goldens goldens, Predicate<String> only) {
        List<CheckResult> out = new ArrayList<>();
        String kind = "golden[" + be.name() + "] ";
        for (Goldens.Case g : goldens.cases()) {
            Object spec = Subjects.specOf(g);
            if (spec == null || !Subjects.layerSupports(spec) || !only.test(g.layer() + "/" + g.name())) continue;
            out.addAll(guarded(g.layer(), g.name(), kind + "run", () -> {
                Values v = Values.golden(g);
                Map<String, Tensor> got = runOnce(Subjects.build(spec, be, v), be, v);
                double tol = be.dtype() == DType.FLOAT64 ? g.f64Tolerance() : g.f32Tolerance();
                List<CheckResult> rows = new ArrayList<>();
                for (String o : g.outputNames()) {
                    if (o.equals("mask")) continue; // the mask is internal to Dropout; y and dx carry it
                    Tensor t = got.get(o);
                    if (t == null) {
                        rows.add(new CheckResult(g.layer(), g.name(), kind + o, Double.NaN, Double.NaN, tol, false,
                                "the layer produced no '" + o + "' to compare with PyTorch's"));
                        continue;
                    }
                    rows.add(CheckResult.of(g.layer(), g.name(), kind + o,
                            Compare.normwise(o, g.outputShape(o), t.toDoubles(), g.output(o, true), g.tolerance(o, be.dtype() == DType.FLOAT64)))
                            .withConditioning(g.torchF32Error(o)));
                }
                if (spec instanceof LayerCases.BatchNormCase && g.config().has("num_batches_tracked_after")) {
                    rows.add(counterRow(g, kind, spec, be, g.config().get("num_batches_tracked_after").asLong()));
                }
                return rows;
            }));
        }
        return out;
    }

    private static CheckResult counterRow(Goldens.Case g, String kind, Object spec, Backend be, long want) {
        Subjects.ModuleSubject s = (Subjects.ModuleSubject) Subjects.build(spec, be, Values.golden(g));
        s.forward();
        long have = s.module().namedCounters().get("num_batches_tracked").get();
        return new CheckResult(g.layer(), g.name(), kind + "num_batches_tracked", Math.abs(have - want),
                want == 0 ? Math.abs(have - want) : Math.abs(have - want) / (double) want, 0, have == want,
                have == want ? "" : "num_batches_tracked is " + have + ", PyTorch has " + want);
    }

    public static String caseName(Object spec) {
        try {
            return (String) spec.getClass().getMethod("name").invoke(spec);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("not a case record: " + spec, e);
        }
    }
}
