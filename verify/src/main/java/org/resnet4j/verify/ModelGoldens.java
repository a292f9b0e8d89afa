package org.resnet4j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.resnet4j.core.Backend;
import org.resnet4j.core.DType;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Buffer;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.models.BasicBlock;
import org.resnet4j.ops.models.Bottleneck;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.Adam;
import org.resnet4j.ops.optim.Optimizer;
import org.resnet4j.ops.optim.SGD;

/**
 * The goldens of residual blocks (torchvision's BasicBlock and Bottleneck, stored parameters), whole
 * networks (ResNet-18/50 at batch 2, 64x64, train and eval, {@link SeededParams}) and training
 * trajectories (CIFAR ResNet-20: 10 SGD steps, 5 Adam steps), run through our models on a backend and
 * compared with PyTorch's float64 results, output by output, under the manifest's tolerances.
 */
public final class ModelGoldens {
    /** Trajectory losses: |ours - PyTorch float64| per step, absolute, for a float32 backend. */
    public static final double LOSS_ABS_TOL_F32 = 1e-4;
    /** The same for the float64 oracle: only summation order differs. */
    public static final double LOSS_ABS_TOL_F64 = 1e-9;

    private ModelGoldens() {}

    public static List<CheckResult> run(Backend be, Goldens goldens) {
        return run(be, goldens, s -> true);
    }

    /** Every block, model and trajectory golden whose "layer/case" name the filter accepts. */
    public static List<CheckResult> run(Backend be, Goldens goldens, Predicate<String> only) {
        List<CheckResult> out = new ArrayList<>();
        for (Goldens.Case g : goldens.cases()) {
            if (!only.test(g.layer() + "/" + g.name())) continue;
            String kind = "golden[" + be.name() + "] ";
            try {
                switch (g.layer()) {
                    case "BasicBlock", "Bottleneck" -> out.addAll(block(be, g, kind));
                    case "Model" -> out.addAll(model(be, g, kind));
                    case "Trajectory" -> out.addAll(trajectory(be, g, kind));
                    default -> { }
                }
            } catch (RuntimeException e) {
                out.add(CheckResult.error(g.layer(), g.name(), kind + "run", e));
            }
        }
        return out;
    }

    private static boolean f64(Backend be) {
        return be.dtype() == DType.FLOAT64;
    }

    private static CheckResult row(Goldens.Case g, String kind, String output, double[] actual, Backend be) {
        return CheckResult.of(g.layer(), g.name(), kind + output,
                Compare.normwise(output, g.outputShape(output), actual, g.output(output, true), g.tolerance(output, f64(be))))
                .withConditioning(g.torchF32Error(output));
    }

    /** Compares every golden output that {@code got} holds; an output we did not produce is a failure. */
    private static List<CheckResult> rows(Goldens.Case g, String kind, Map<String, double[]> got, Backend be) {
        List<CheckResult> out = new ArrayList<>();
        for (String o : g.outputNames()) {
            double[] a = got.get(o);
            if (a == null) {
                out.add(new CheckResult(g.layer(), g.name(), kind + o, Double.NaN, Double.NaN, g.tolerance(o, f64(be)), false,
                        "our model produced no '" + o + "' to compare with PyTorch's"));
            } else {
                out.add(row(g, kind, o, a, be));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ blocks

    private static List<CheckResult> block(Backend be, Goldens.Case g, String kind) {
        JsonNode k = g.config();
        int inplanes = k.get("inplanes").asInt(), planes = k.get("planes").asInt(), stride = k.get("stride").asInt();
        boolean bottleneck = g.layer().equals("Bottleneck");
        int outp = planes * (bottleneck ? Bottleneck.EXPANSION : BasicBlock.EXPANSION);
        Module down = k.get("downsample").asBoolean()
                ? new Sequential(new Conv2d(inplanes, outp, 1, stride, 0, 1, 1, false), new BatchNorm2d(outp)) : null;
        Module block = bottleneck ? new Bottleneck(inplanes, planes, stride, down, 1, 64, 1) : new BasicBlock(inplanes, planes, stride, down);
        block.to(be);
        for (Map.Entry<String, Parameter> e : block.namedParameters().entrySet()) {
            e.getValue().setData(g.input("param." + e.getKey(), be));
        }
        for (Map.Entry<String, Buffer> e : block.namedBuffers().entrySet()) e.getValue().setData(g.input("param." + e.getKey(), be));
        for (var e : block.namedCounters().entrySet()) e.getValue().set((long) g.input("param." + e.getKey())[0]);
        block.train();
        Subjects.ModuleSubject s = new Subjects.ModuleSubject(g.layer(), g.name(), block, g.input("x", be), true);
        Map<String, Tensor> t = LayerChecks.runOnce(s, be, Values.golden(g));
        Map<String, double[]> got = new LinkedHashMap<>();
        for (var e : t.entrySet()) got.put(e.getKey(), e.getValue().toDoubles());
        return rows(g, kind, got, be);
    }

    // ------------------------------------------------------------------ whole networks

    private static Module seededModel(String arch, int classes, Backend be) {
        Module m = ModelZoo.create(arch, ModelOptions.defaults().numClasses(classes));
        m.to(be);
        SeededParams.apply(m);
        return m;
    }

    private static List<CheckResult> model(Backend be, Goldens.Case g, String kind) {
        JsonNode k = g.config();
        Module m = seededModel(k.get("model").asText(), k.get("num_classes").asInt(), be);
        if (k.get("training").asBoolean()) m.train();
        else m.eval();
        ReluPins pins = k.has("relu_pins") ? new ReluPins(k.get("relu_pins")) : null;
        if (pins != null) m.addHook(pins);
        Tensor x = g.input("x", be), labels = g.input("labels", be);
        Tensor logits = m.forward(x);
        CrossEntropyLoss ce = new CrossEntropyLoss();
        double loss = ce.forward(logits, labels);
        m.zeroGrad();
        Tensor dx = m.backward(ce.backward());
        Map<String, double[]> got = new LinkedHashMap<>();
        got.put("logits", logits.toDoubles());
        got.put("loss", new double[] {loss});
        got.put("dx", dx.toDoubles());
        Map<String, Parameter> params = m.namedParameters();
        JsonNode names = k.get("param_names");
        double[] norms = new double[names.size()], probes = new double[names.size()];
        for (int i = 0; i < names.size(); i++) {
            Parameter p = params.get(names.get(i).asText());
            if (p == null) throw new IllegalStateException(k.get("model").asText() + " has no parameter named '" + names.get(i).asText()
                    + "' (torchvision's name); the model's names differ from torchvision's");
            double[] gr = p.grad().toDoubles();
            double ss = 0;
            for (double v : gr) ss += v * v;
            norms[i] = Math.sqrt(ss);
            probes[i] = SeededParams.probe(names.get(i).asText(), gr);
        }
        if (params.size() != names.size()) {
            throw new IllegalStateException(k.get("model").asText() + " has " + params.size() + " parameters, torchvision's has " + names.size());
        }
        got.put("grad_norms", norms);
        got.put("grad_probes", probes);
        for (String o : g.outputNames()) {
            if (o.startsWith("grad.")) {
                Parameter p = params.get(o.substring(5));
                if (p != null) got.put(o, p.grad().toDoubles());
            }
        }
        for (var e : m.namedBuffers().entrySet()) got.put("after." + e.getKey(), e.getValue().data().toDoubles());
        List<CheckResult> out = rows(g, kind, got, be);
        if (pins != null) {
            // how many float32-ambiguous ReLU decisions were taken from float64; the oracle must need none
            long n = pins.changed();
            out.add(new CheckResult(g.layer(), g.name(), kind + "relu kinks pinned (of " + pins.size() + " listed)", n, 0, 0,
                    !f64(be) || n == 0, n == 0 || !f64(be) ? "" : "the float64 oracle disagrees with PyTorch float64 on " + n
                    + " ReLU decisions near zero"));
        }
        return out;
    }

    /**
     * ReLU kinks (see generate.py, PIN_TAU): at the few ReLU inputs the golden lists, those within
     * 1e-4 rms of zero in PyTorch's float64 run, the ReLU's decision is taken from float64. Our output
     * there is set to the float64 value when float64 kept it and to 0 when float64 cut it, so backward's
     * mask (y &gt; 0) follows float64; the forward moves by less than 1e-4 rms at those elements only.
     * For the float64 oracle this changes nothing: its decisions already agree.
     */
    static final class ReluPins implements org.resnet4j.ops.ModuleHook {
        private final Map<String, double[][]> pins = new LinkedHashMap<>();
        private long changed;

        ReluPins(JsonNode node) {
            for (var it = node.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                double[][] list = new double[e.getValue().size()][];
                for (int i = 0; i < list.length; i++) {
                    list[i] = new double[] {e.getValue().get(i).get(0).asDouble(), e.getValue().get(i).get(1).asDouble()};
                }
                pins.put(e.getKey(), list);
            }
        }

        @Override
        public void afterForward(String path, Module module, Tensor y) {
            double[][] list = pins.get(path);
            if (list == null) return;
            if (!(module instanceof org.resnet4j.ops.nn.ReLU)) {
                throw new IllegalStateException("the golden pins a ReLU at '" + path + "' but our model has a "
                        + module.getClass().getSimpleName() + " there; the module names differ from the generator's");
            }
            double[] v = y.toDoubles();
            boolean any = false;
            for (double[] p : list) {
                int i = (int) p[0];
                double want = p[1] > 0 ? p[1] : 0.0;
                if ((v[i] > 0) != (want > 0)) {
                    v[i] = want;
                    any = true;
                    changed++;
                }
            }
            if (any) y.backend().copy(y.backend().fromDoubles(v, y.shape()), y);
        }

        long changed() {
            return changed;
        }

        int size() {
            int n = 0;
            for (double[][] l : pins.values()) n += l.length;
            return n;
        }
    }

    // ------------------------------------------------------------------ trajectories

    private static List<CheckResult> trajectory(Backend be, Goldens.Case g, String kind) {
        JsonNode k = g.config(), hp = k.get("hyper");
        Module m = seededModel(k.get("model").asText(), k.get("num_classes").asInt(), be);
        m.train();
        Map<String, double[]> initial = new LinkedHashMap<>();
        for (var e : m.namedParameters().entrySet()) initial.put(e.getKey(), e.getValue().data().toDoubles());
        Optimizer opt = switch (k.get("optimizer").asText()) {
            case "SGD" -> new SGD(m.namedParameters(), hp.get("lr").asDouble(), hp.get("momentum").asDouble(),
                    hp.get("dampening").asDouble(), hp.get("weight_decay").asDouble(), hp.get("nesterov").asBoolean());
            case "Adam" -> new Adam(m.namedParameters(), hp.get("lr").asDouble(), hp.get("betas").get(0).asDouble(),
                    hp.get("betas").get(1).asDouble(), hp.get("eps").asDouble(), hp.get("weight_decay").asDouble());
            default -> throw new IllegalArgumentException("unknown optimizer " + k.get("optimizer").asText());
        };
        int steps = k.get("steps").asInt(), batch = k.get("batch").asInt();
        double[] xs = g.input("x"), ys = g.input("labels");
        int[] xShape = g.inputShape("x");
        int per = batch * xShape[2] * xShape[3] * xShape[4];
        double[] losses = new double[steps];
        CrossEntropyLoss ce = new CrossEntropyLoss();
        for (int t = 0; t < steps; t++) {
            Tensor x = be.fromDoubles(java.util.Arrays.copyOfRange(xs, t * per, (t + 1) * per), batch, xShape[2], xShape[3], xShape[4]);
            Tensor y = be.fromDoubles(java.util.Arrays.copyOfRange(ys, t * batch, (t + 1) * batch), batch);
            opt.zeroGrad();
            losses[t] = ce.forward(m.forward(x), y);
            m.backward(ce.backward());
            opt.step();
        }
        Map<String, double[]> got = new LinkedHashMap<>();
        got.put("losses", losses);
        for (var e : m.namedParameters().entrySet()) {
            double[] now = e.getValue().data().toDoubles(), before = initial.get(e.getKey());
            for (int i = 0; i < now.length; i++) now[i] -= before[i];
            got.put("delta." + e.getKey(), now);
        }
        for (var e : m.namedBuffers().entrySet()) got.put("after." + e.getKey(), e.getValue().data().toDoubles());
        List<CheckResult> out = rows(g, kind, got, be);
        // the loss of every step, absolutely: the criterion for trajectories
        double atol = f64(be) ? LOSS_ABS_TOL_F64 : LOSS_ABS_TOL_F32;
        Comparison c = Compare.compare("losses", new int[] {steps}, losses, g.output("losses", true),
                g.tolerance("losses", f64(be)), 0, atol);
        out.add(CheckResult.of(g.layer(), g.name(), kind + "losses |abs| per step", c));
        // every parameter's change together, and the final parameters
        List<double[]> dA = new ArrayList<>(), dB = new ArrayList<>();
        for (String o : g.outputNames()) {
            if (o.startsWith("delta.")) {
                dA.add(got.get(o));
                dB.add(g.output(o, true));
            }
        }
        out.add(CheckResult.of(g.layer(), g.name(), kind + "all parameter changes",
                Compare.normwise("all deltas", new int[] {concat(dA).length}, concat(dA), concat(dB),
                        k.get("all_deltas").get(f64(be) ? "tolerance_f64" : "tolerance_f32").asDouble())));
        return out;
    }

    private static double[] concat(List<double[]> parts) {
        int n = 0;
        for (double[] p : parts) n += p.length;
        double[] out = new double[n];
        int o = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
