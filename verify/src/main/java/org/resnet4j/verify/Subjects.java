package org.resnet4j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Buffer;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.nn.AdaptiveAvgPool2d;
import org.resnet4j.ops.nn.AvgPool2d;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.nn.Dropout;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.nn.MaxPool2d;
import org.resnet4j.ops.nn.ReLU;
import org.resnet4j.ops.nn.ResidualSum;
import org.resnet4j.verify.LayerCases.AdaptiveCase;
import org.resnet4j.verify.LayerCases.BatchNormCase;
import org.resnet4j.verify.LayerCases.ConvCase;
import org.resnet4j.verify.LayerCases.CrossEntropyCase;
import org.resnet4j.verify.LayerCases.DropoutCase;
import org.resnet4j.verify.LayerCases.LinearCase;
import org.resnet4j.verify.LayerCases.PoolCase;
import org.resnet4j.verify.LayerCases.ShapeCase;
import org.resnet4j.verify.Values.Kind;

/**
 * Builds the ops layers of a {@link LayerCases} case on a backend, with values from a {@link Values}
 * source, as {@link Subject}s. Layers are constructed exactly as users construct them (parameters on
 * the CPU with PyTorch's default init), moved with {@code module.to(backend)}, then given the case's
 * values.
 */
public final class Subjects {
    private Subjects() {}

    /** The layer name of a case record, as the audit reports it. */
    public static String layerOf(Object spec) {
        return switch (spec) {
            case ConvCase c -> "Conv2d";
            case BatchNormCase c -> "BatchNorm2d";
            case PoolCase c -> c.max() ? "MaxPool2d" : "AvgPool2d";
            case AdaptiveCase c -> "AdaptiveAvgPool2d";
            case LinearCase c -> "Linear";
            case CrossEntropyCase c -> "CrossEntropyLoss";
            case DropoutCase c -> "Dropout";
            case ShapeCase c -> c.name().startsWith("relu") ? "ReLU" : "ResidualSum";
            default -> throw new IllegalArgumentException("unknown case " + spec);
        };
    }

    /**
     * True when the ops layer can express the case. The pooling layers take square kernels only (as
     * their constructors say), so the non-square pooling cases are checked at the kernel level only.
     */
    public static boolean layerSupports(Object spec) {
        return !(spec instanceof PoolCase p) || (p.kH() == p.kW() && p.sH() == p.sW() && p.pH() == p.pW());
    }

    public static Subject build(Object spec, Backend be, Values v) {
        return switch (spec) {
            case ConvCase c -> conv(c, be, v);
            case BatchNormCase c -> batchNorm(c, be, v);
            case PoolCase c -> pool(c, be, v);
            case AdaptiveCase c -> module("AdaptiveAvgPool2d", c.name(), new AdaptiveAvgPool2d(c.oh(), c.ow()), be, v,
                    v.get("x", new int[] {c.n(), c.c(), c.h(), c.w()}, Kind.SIGNED), new int[] {c.n(), c.c(), c.h(), c.w()}, n -> Kind.WEIGHT);
            case LinearCase c -> module("Linear", c.name(), new Linear(c.in(), c.out(), c.bias()), be, v,
                    v.get("x", new int[] {c.n(), c.in()}, Kind.SIGNED), new int[] {c.n(), c.in()}, n -> Kind.WEIGHT);
            case CrossEntropyCase c -> crossEntropy(c, be, v);
            case DropoutCase c -> dropout(c, be, v);
            case ShapeCase c when c.name().startsWith("relu") -> {
                int[] s = {c.n(), c.c(), c.h(), c.w()};
                yield module("ReLU", c.name(), new ReLU(), be, v, v.get("x", s, Kind.AWAY_FROM_ZERO), s, n -> Kind.WEIGHT);
            }
            case ShapeCase c -> residual(c, be, v);
            default -> throw new IllegalArgumentException("unknown case " + spec);
        };
    }

    private static Subject conv(ConvCase c, Backend be, Values v) {
        Conv2d conv = new Conv2d(c.cIn(), c.cOut(), new int[] {c.kH(), c.kW()}, new int[] {c.sH(), c.sW()},
                new int[] {c.pH(), c.pW()}, new int[] {c.dH(), c.dW()}, c.groups(), c.bias());
        int[] xs = {c.n(), c.cIn(), c.h(), c.w()};
        return module("Conv2d", c.name(), conv, be, v, v.get("x", xs, Kind.SIGNED), xs, n -> Kind.WEIGHT);
    }

    private static Subject batchNorm(BatchNormCase c, Backend be, Values v) {
        BatchNorm2d bn = new BatchNorm2d(c.c(), c.eps(), c.momentum(), c.affine(), true);
        int[] xs = {c.n(), c.c(), c.h(), c.w()};
        ModuleSubject s = module("BatchNorm2d", c.name(), bn, be, v, v.get("x", xs, Kind.SHIFTED), xs,
                n -> n.equals("weight") ? Kind.GAMMA : Kind.WEIGHT);
        bn.runningMean().setData(be.fromDoubles(v.get("running_mean", new int[] {c.c()}, Kind.WEIGHT), c.c()));
        bn.runningVar().setData(be.fromDoubles(v.get("running_var", new int[] {c.c()}, Kind.VARIANCE), c.c()));
        bn.numBatchesTracked().set(LayerCases.BN_BATCHES_TRACKED_BEFORE);
        if (c.training()) bn.train();
        else bn.eval();
        return s;
    }

    private static Subject pool(PoolCase c, Backend be, Values v) {
        if (!layerSupports(c)) {
            throw new IllegalArgumentException(c.name() + ": the pooling layers take square kernels, strides and paddings only");
        }
        Module m = c.max() ? new MaxPool2d(c.kH(), c.sH(), c.pH(), c.dilation(), c.ceilMode())
                : new AvgPool2d(c.kH(), c.sH(), c.pH(), c.ceilMode(), c.countIncludePad(), c.divisorOverride());
        int[] xs = {c.n(), c.c(), c.h(), c.w()};
        return module(layerOf(c), c.name(), m, be, v, v.get("x", xs, Kind.DISTINCT), xs, n -> Kind.WEIGHT);
    }

    private static Subject dropout(DropoutCase c, Backend be, Values v) {
        int[] xs = {c.n(), c.c(), c.h(), c.w()};
        ModuleSubject s = module("Dropout", c.name(), new Dropout(c.p()), be, v, v.get("x", xs, Kind.SIGNED), xs, n -> Kind.WEIGHT);
        // the same global seed before every forward: the same mask each time (finite differences need that)
        s.beforeForward = () -> RandomState.manualSeed(c.rngSeed());
        return s;
    }

    /** A module with input "x" and its parameters as variables. */
    static ModuleSubject module(String layer, String name, Module m, Backend be, Values v, double[] x, int[] xs,
                                Function<String, Kind> paramKind) {
        m.to(be);
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            int[] shape = e.getValue().shape();
            e.getValue().setData(be.fromDoubles(v.get(e.getKey(), shape, paramKind.apply(e.getKey())), shape));
        }
        return new ModuleSubject(layer, name, m, be.fromDoubles(x, xs), false);
    }

    /** A module seen through its input and parameters; blocks and models report gradients as "grad.NAME". */
    public static final class ModuleSubject implements Subject {
        private final String layer, name;
        private final Module module;
        private final Tensor x;
        private final boolean dottedNames;
        Runnable beforeForward = () -> {};

        public ModuleSubject(String layer, String name, Module module, Tensor x, boolean dottedNames) {
            this.layer = layer;
            this.name = name;
            this.module = module;
            this.x = x;
            this.dottedNames = dottedNames;
        }

        public Module module() {
            return module;
        }

        @Override
        public String layer() {
            return layer;
        }

        @Override
        public String caseName() {
            return name;
        }

        @Override
        public Map<String, Tensor> variables() {
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("x", x);
            for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) out.put(e.getKey(), e.getValue().data());
            return out;
        }

        @Override
        public String gradientName(String variable) {
            if (variable.equals("x")) return "dx";
            return dottedNames ? "grad." + variable : "d" + variable;
        }

        @Override
        public Tensor forward() {
            beforeForward.run();
            return module.forward(x);
        }

        @Override
        public Map<String, Tensor> backward(Tensor dy) {
            module.zeroGrad();
            Tensor dx = module.backward(dy);
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("dx", copy(dx));
            for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
                out.put(gradientName(e.getKey()), copy(e.getValue().grad()));
            }
            return out;
        }

        @Override
        public Map<String, Tensor> state() {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Map.Entry<String, Buffer> e : module.namedBuffers().entrySet()) {
                out.put(dottedNames ? "after." + e.getKey() : e.getKey(), copy(e.getValue().data()));
            }
            return out;
        }
    }

    private static Tensor copy(Tensor t) {
        return t.backend().fromDoubles(t.toDoubles(), t.shape());
    }

    private static Subject crossEntropy(CrossEntropyCase c, Backend be, Values v) {
        Tensor logits = be.fromDoubles(v.get("logits", new int[] {c.n(), c.k()}, Kind.LOGITS), c.n(), c.k());
        Tensor labels = be.fromDoubles(v.labels("labels", c.n(), c.k()), c.n());
        CrossEntropyLoss ce = new CrossEntropyLoss(c.labelSmoothing());
        return new Subject() {
            @Override
            public String layer() {
                return "CrossEntropyLoss";
            }

            @Override
            public String caseName() {
                return c.name();
            }

            @Override
            public Map<String, Tensor> variables() {
                return Map.of("logits", logits);
            }

            @Override
            public String gradientName(String variable) {
                return "dlogits";
            }

            @Override
            public String outputName() {
                return "loss";
            }

            @Override
            public Tensor forward() {
                return be.fromDoubles(new double[] {ce.forward(logits, labels)}, 1);
            }

            @Override
            public Map<String, Tensor> backward(Tensor dy) {
                // the loss is a scalar: dL/dlogits = dy * dloss/dlogits
                Tensor d = ce.backward();
                Tensor scaled = be.zeros(d.shape());
                be.scale(d, dy.toDoubles()[0], scaled);
                Map<String, Tensor> out = new LinkedHashMap<>();
                out.put("dlogits", scaled);
                out.put("probs", copy(ce.probabilities()));
                return out;
            }
        };
    }

    private static Subject residual(ShapeCase c, Backend be, Values v) {
        int[] s = {c.n(), c.c(), c.h(), c.w()};
        Tensor main = be.fromDoubles(v.get("main", s, Kind.SIGNED), s), shortcut = be.fromDoubles(v.get("shortcut", s, Kind.SIGNED), s);
        ResidualSum sum = new ResidualSum();
        return new Subject() {
            @Override
            public String layer() {
                return "ResidualSum";
            }

            @Override
            public String caseName() {
                return c.name();
            }

            @Override
            public Map<String, Tensor> variables() {
                Map<String, Tensor> out = new LinkedHashMap<>();
                out.put("main", main);
                out.put("shortcut", shortcut);
                return out;
            }

            @Override
            public String gradientName(String variable) {
                return "d" + variable;
            }

            @Override
            public Tensor forward() {
                return sum.forward(main, shortcut);
            }

            @Override
            public Map<String, Tensor> backward(Tensor dy) {
                ResidualSum.BranchGrads g = sum.backward(dy);
                Map<String, Tensor> out = new LinkedHashMap<>();
                out.put("dmain", copy(g.main()));
                out.put("dshortcut", copy(g.shortcut()));
                return out;
            }
        };
    }

    // ------------------------------------------------------------------ golden configs back to case records

    private static int[] pair(JsonNode n) {
        return new int[] {n.get(0).asInt(), n.get(1).asInt()};
    }

    /** The case record a golden was generated from, or null for blocks and models. */
    public static Object specOf(Goldens.Case g) {
        JsonNode k = g.config();
        String name = g.name();
        return switch (g.layer()) {
            case "Conv2d" -> {
                int[] ks = pair(k.get("kernel")), st = pair(k.get("stride")), pd = pair(k.get("padding")), dl = pair(k.get("dilation"));
                yield new ConvCase(name, k.get("n").asInt(), k.get("in_channels").asInt(), k.get("h").asInt(), k.get("w").asInt(),
                        k.get("out_channels").asInt(), ks[0], ks[1], st[0], st[1], pd[0], pd[1], dl[0], dl[1], k.get("groups").asInt(),
                        k.get("bias").asBoolean());
            }
            case "BatchNorm2d" -> new BatchNormCase(name, k.get("n").asInt(), k.get("num_features").asInt(), k.get("h").asInt(),
                    k.get("w").asInt(), k.get("training").asBoolean(), k.get("affine").asBoolean(), k.get("eps").asDouble(),
                    k.get("momentum").isNull() ? null : k.get("momentum").asDouble());
            case "MaxPool2d", "AvgPool2d" -> {
                int[] ks = pair(k.get("kernel")), st = pair(k.get("stride")), pd = pair(k.get("padding"));
                yield new PoolCase(name, g.layer().equals("MaxPool2d"), k.get("n").asInt(), k.get("c").asInt(), k.get("h").asInt(),
                        k.get("w").asInt(), ks[0], ks[1], st[0], st[1], pd[0], pd[1], k.get("dilation").asInt(),
                        k.get("ceil_mode").asBoolean(), k.get("count_include_pad").asBoolean(), k.get("divisor_override").asInt());
            }
            case "AdaptiveAvgPool2d" -> new AdaptiveCase(name, k.get("n").asInt(), k.get("c").asInt(), k.get("h").asInt(),
                    k.get("w").asInt(), k.get("output_size").get(0).asInt(), k.get("output_size").get(1).asInt());
            case "Linear" -> new LinearCase(name, k.get("n").asInt(), k.get("in_features").asInt(), k.get("out_features").asInt(),
                    k.get("bias").asBoolean());
            case "CrossEntropyLoss" -> new CrossEntropyCase(name, k.get("n").asInt(), k.get("classes").asInt(),
                    k.get("label_smoothing").asDouble());
            case "Dropout" -> new DropoutCase(name, k.get("n").asInt(), k.get("c").asInt(), k.get("h").asInt(), k.get("w").asInt(),
                    k.get("p").asDouble(), k.get("rng_seed").asLong());
            case "ReLU", "ResidualSum" -> new ShapeCase(name, k.get("n").asInt(), k.get("c").asInt(), k.get("h").asInt(), k.get("w").asInt());
            default -> null;
        };
    }
}
