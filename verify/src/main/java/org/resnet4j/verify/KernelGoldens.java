package org.resnet4j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.resnet4j.core.Backend;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.DType;
import org.resnet4j.core.PoolGeometry;
import org.resnet4j.core.Tensor;

/**
 * Runs a backend's kernels directly on the PyTorch goldens' inputs and compares with PyTorch's float64
 * results: this pins each kernel's conventions (padding, divisors, ceil mode, label smoothing...) to
 * PyTorch without going through any layer. The layer-level comparison is {@link LayerGoldens}.
 * Blocks and whole networks have no kernel-level form and are skipped here.
 */
public final class KernelGoldens {
    private final Backend backend;
    private final String kind;

    public KernelGoldens(Backend backend) {
        this.backend = backend;
        this.kind = "golden-kernel[" + backend.name() + "]";
    }

    public List<CheckResult> runAll(Goldens goldens) {
        return runAll(goldens, s -> true);
    }

    /** Only the cases whose "layer/case" name the filter accepts. */
    public List<CheckResult> runAll(Goldens goldens, java.util.function.Predicate<String> only) {
        List<CheckResult> out = new ArrayList<>();
        for (Goldens.Case c : goldens.cases()) if (only.test(c.layer() + "/" + c.name())) out.addAll(run(c));
        return out;
    }

    public List<CheckResult> run(Goldens.Case c) {
        try {
            return switch (c.layer()) {
                case "Conv2d" -> conv(c);
                case "BatchNorm2d" -> batchNorm(c);
                case "MaxPool2d", "AvgPool2d" -> pool(c);
                case "AdaptiveAvgPool2d" -> adaptive(c);
                case "Linear" -> linear(c);
                case "CrossEntropyLoss" -> crossEntropy(c);
                case "ReLU" -> relu(c);
                case "ResidualSum" -> residual(c);
                case "Dropout" -> dropout(c);
                default -> List.of();
            };
        } catch (RuntimeException e) {
            return List.of(CheckResult.error(c.layer(), c.name(), kind + " run", e));
        }
    }

    private CheckResult cmp(Goldens.Case c, String output, Tensor actual) {
        Comparison cmp = Compare.normwise(output, c.outputShape(output), actual.toDoubles(), c.output(output, true),
                c.tolerance(output, backend.dtype() == DType.FLOAT64));
        return CheckResult.of(c.layer(), c.name(), kind + " " + output, cmp).withConditioning(c.torchF32Error(output));
    }

    private static int[] pair(JsonNode n) {
        return new int[] {n.get(0).asInt(), n.get(1).asInt()};
    }

    private List<CheckResult> conv(Goldens.Case c) {
        JsonNode k = c.config();
        int[] ks = pair(k.get("kernel")), st = pair(k.get("stride")), pd = pair(k.get("padding")), dl = pair(k.get("dilation"));
        ConvGeometry g = new ConvGeometry(k.get("n").asInt(), k.get("in_channels").asInt(), k.get("h").asInt(), k.get("w").asInt(),
                k.get("out_channels").asInt(), ks[0], ks[1], st[0], st[1], pd[0], pd[1], dl[0], dl[1], k.get("groups").asInt());
        Tensor x = c.input("x", backend), w = c.input("weight", backend), dy = c.input("dy", backend);
        Tensor b = c.hasInput("bias") ? c.input("bias", backend) : null;
        Tensor y = backend.zeros(g.outputShape()), dx = backend.zeros(g.inputShape()), dw = backend.zeros(g.weightShape());
        backend.conv2dForward(x, w, b, g, y);
        backend.conv2dBackwardInput(dy, w, g, dx);
        backend.conv2dBackwardWeight(dy, x, g, dw);
        List<CheckResult> out = new ArrayList<>(List.of(cmp(c, "y", y), cmp(c, "dx", dx), cmp(c, "dweight", dw)));
        if (b != null) {
            Tensor db = backend.zeros(g.cOut());
            backend.sumPerChannelAccumulate(dy, db);
            out.add(cmp(c, "dbias", db));
        }
        return out;
    }

    private List<CheckResult> batchNorm(Goldens.Case c) {
        JsonNode k = c.config();
        int ch = k.get("num_features").asInt();
        double eps = k.get("eps").asDouble();
        Tensor x = c.input("x", backend), dy = c.input("dy", backend);
        boolean affine = k.get("affine").asBoolean();
        Tensor gamma = affine ? c.input("weight", backend) : null, beta = affine ? c.input("bias", backend) : null;
        Tensor y = backend.zeros(x.shape()), dx = backend.zeros(x.shape());
        Tensor dg = affine ? backend.zeros(ch) : null, db = affine ? backend.zeros(ch) : null;
        if (k.get("training").asBoolean()) {
            Tensor mean = backend.zeros(ch), var = backend.zeros(ch), inv = backend.zeros(ch);
            backend.batchNormTrainForward(x, gamma, beta, eps, y, mean, var, inv);
            backend.batchNormTrainBackward(dy, x, gamma, mean, inv, dx, dg, db);
        } else {
            Tensor rm = c.input("running_mean", backend), rv = c.input("running_var", backend);
            backend.batchNormEvalForward(x, rm, rv, gamma, beta, eps, y);
            backend.batchNormEvalBackward(dy, x, rm, rv, gamma, eps, dx, dg, db);
        }
        List<CheckResult> out = new ArrayList<>(List.of(cmp(c, "y", y), cmp(c, "dx", dx)));
        if (affine) {
            out.add(cmp(c, "dweight", dg));
            out.add(cmp(c, "dbias", db));
        }
        return out;
    }

    static PoolGeometry poolGeometry(JsonNode k) {
        int[] ks = pair(k.get("kernel")), st = pair(k.get("stride")), pd = pair(k.get("padding"));
        int dil = k.get("dilation").asInt();
        return new PoolGeometry(k.get("n").asInt(), k.get("c").asInt(), k.get("h").asInt(), k.get("w").asInt(), ks[0], ks[1],
                st[0], st[1], pd[0], pd[1], dil, dil, k.get("ceil_mode").asBoolean(), k.get("count_include_pad").asBoolean(),
                k.get("divisor_override").asInt());
    }

    private List<CheckResult> pool(Goldens.Case c) {
        PoolGeometry g = poolGeometry(c.config());
        Tensor x = c.input("x", backend), dy = c.input("dy", backend);
        Tensor y = backend.zeros(g.outputShape()), dx = backend.zeros(g.inputShape());
        if (c.layer().equals("MaxPool2d")) {
            backend.maxPool2dForward(x, g, y);
            backend.maxPool2dBackward(dy, x, g, dx);
        } else {
            backend.avgPool2dForward(x, g, y);
            backend.avgPool2dBackward(dy, g, dx);
        }
        return List.of(cmp(c, "y", y), cmp(c, "dx", dx));
    }

    private List<CheckResult> adaptive(Goldens.Case c) {
        Tensor x = c.input("x", backend), dy = c.input("dy", backend);
        Tensor y = backend.zeros(c.outputShape("y")), dx = backend.zeros(x.shape());
        backend.adaptiveAvgPool2dForward(x, y);
        backend.adaptiveAvgPool2dBackward(dy, dx);
        return List.of(cmp(c, "y", y), cmp(c, "dx", dx));
    }

    private List<CheckResult> linear(Goldens.Case c) {
        JsonNode k = c.config();
        int n = k.get("n").asInt(), in = k.get("in_features").asInt(), o = k.get("out_features").asInt();
        Tensor x = c.input("x", backend), w = c.input("weight", backend), dy = c.input("dy", backend);
        Tensor y = backend.zeros(n, o), dx = backend.zeros(n, in), dw = backend.zeros(o, in);
        // y = x W^T (+ b); dx = dy W; dW = dy^T x; db = sum over the batch of dy
        backend.gemm(false, true, n, o, in, 1, x, 0, in, w, 0, in, 0, y, 0, o);
        List<CheckResult> out = new ArrayList<>();
        if (c.hasInput("bias")) backend.addChannelBias(y, c.input("bias", backend));
        backend.gemm(false, false, n, in, o, 1, dy, 0, o, w, 0, in, 0, dx, 0, in);
        backend.gemm(true, false, o, in, n, 1, dy, 0, o, x, 0, in, 0, dw, 0, in);
        out.add(cmp(c, "y", y));
        out.add(cmp(c, "dx", dx));
        out.add(cmp(c, "dweight", dw));
        if (c.hasInput("bias")) {
            Tensor db = backend.zeros(o);
            backend.sumPerChannelAccumulate(dy, db);
            out.add(cmp(c, "dbias", db));
        }
        return out;
    }

    private List<CheckResult> crossEntropy(Goldens.Case c) {
        double s = c.config().get("label_smoothing").asDouble();
        Tensor z = c.input("logits", backend), labels = c.input("labels", backend);
        int n = z.dim(0);
        Tensor p = backend.zeros(z.shape()), d = backend.zeros(z.shape());
        double loss = backend.crossEntropyForward(z, labels, s, p);
        backend.crossEntropyBackward(p, labels, s, 1.0 / n, d);
        Comparison lc = Compare.normwise("loss", new int[] {1}, new double[] {loss}, c.output("loss", true), c.tolerance("loss", backend.dtype() == DType.FLOAT64));
        return List.of(CheckResult.of(c.layer(), c.name(), kind + " loss", lc), cmp(c, "probs", p), cmp(c, "dlogits", d));
    }

    private List<CheckResult> relu(Goldens.Case c) {
        Tensor x = c.input("x", backend), dy = c.input("dy", backend);
        Tensor y = backend.zeros(x.shape()), dx = backend.zeros(x.shape());
        backend.relu(x, y);
        backend.reluBackward(dy, y, dx);
        return List.of(cmp(c, "y", y), cmp(c, "dx", dx));
    }

    private List<CheckResult> residual(Goldens.Case c) {
        Tensor a = c.input("main", backend), b = c.input("shortcut", backend);
        Tensor y = backend.zeros(a.shape());
        backend.add(a, b, y);
        return List.of(cmp(c, "y", y));
    }

    private List<CheckResult> dropout(Goldens.Case c) {
        JsonNode k = c.config();
        Tensor x = c.input("x", backend), dy = c.input("dy", backend);
        Tensor mask = backend.zeros(x.shape()), y = backend.zeros(x.shape()), dx = backend.zeros(x.shape());
        backend.dropoutMask(mask, 1 - k.get("p").asDouble(), k.get("mask_seed").asLong());
        backend.mul(x, mask, y);
        backend.mul(dy, mask, dx);
        return List.of(cmp(c, "mask", mask), cmp(c, "y", y), cmp(c, "dx", dx));
    }
}
