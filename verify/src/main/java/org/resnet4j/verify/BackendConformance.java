package org.resnet4j.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.resnet4j.core.Backend;
import org.resnet4j.core.ConvEpilogue;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.PoolGeometry;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;
import org.resnet4j.verify.LayerCases.AdaptiveCase;
import org.resnet4j.verify.LayerCases.BatchNormCase;
import org.resnet4j.verify.LayerCases.ConvCase;
import org.resnet4j.verify.LayerCases.CrossEntropyCase;
import org.resnet4j.verify.LayerCases.LinearCase;
import org.resnet4j.verify.LayerCases.PoolCase;
import org.resnet4j.verify.LayerCases.ShapeCase;

/**
 * Holds any {@link Backend} (the CPU backend, an OpenCL device) to the float64 oracle, kernel by
 * kernel, over the {@link LayerCases} matrix. Both backends get the same float32-representable inputs;
 * the rows report the normwise relative error of the backend under test against the oracle.
 *
 * <p>Tolerances (normwise): {@value #FORWARD_TOL} for forward outputs and {@value #GRAD_TOL} for
 * gradients. Why: float32 carries 24 bits (unit roundoff 6e-8); a dot product of length k accumulates
 * at most about k*u relative to the sum of |terms| and typically sqrt(k)*u, so for our reduction
 * lengths (up to a few hundred) a correct forward lands near 1e-7..1e-6. Backward passes chain two
 * reductions and subtract nearly equal sums (batch-norm), hence the looser bound. A wrong index, a
 * missed window element or a swapped transpose shows up as 1e-2 or worse.
 */
public final class BackendConformance {
    public static final double FORWARD_TOL = 1e-5;
    public static final double GRAD_TOL = 1e-4;

    private final Backend fast;
    private final ReferenceBackend ref = ReferenceBackend.get();
    private final String kind;

    public BackendConformance(Backend fast) {
        this.fast = fast;
        this.kind = "vs-oracle[" + fast.name() + "]";
    }

    /** Every case of every layer, plus GEMM, element-wise, optimizer and dropout-mask kernels. */
    public List<CheckResult> runAll() {
        return runAll(s -> true);
    }

    /** Only the cases whose "layer/case" name the filter accepts (GEMM cases are "GEMM/...", optimizers "SGD/..."). */
    public List<CheckResult> runAll(java.util.function.Predicate<String> only) {
        List<CheckResult> out = new ArrayList<>();
        for (Object spec : LayerCases.all()) {
            if (!only.test(Subjects.layerOf(spec) + "/" + LayerChecks.caseName(spec))) continue;
            out.addAll(switch (spec) {
                case ConvCase c -> conv(c);
                case BatchNormCase c -> batchNorm(c);
                case PoolCase c -> pool(c);
                case AdaptiveCase c -> adaptive(c);
                case LinearCase c -> linear(c);
                case CrossEntropyCase c -> crossEntropy(c);
                case LayerCases.DropoutCase c -> dropout(c);
                case ShapeCase c when c.name().startsWith("relu") -> relu(c);
                case ShapeCase c -> elementwise(c);
                default -> throw new IllegalStateException("unknown case " + spec);
            });
        }
        out.addAll(gemm().stream().filter(r -> only.test(r.layer() + "/" + r.caseName())).toList());
        out.addAll(optimizers().stream().filter(r -> only.test(r.layer() + "/" + r.caseName())).toList());
        return out;
    }

    // ------------------------------------------------------------------ plumbing

    /** The same values on both backends. */
    private record Pair(Tensor f, Tensor r) {}

    private Pair pair(double[] data, int... shape) {
        return new Pair(fast.fromDoubles(data, shape), ref.fromDoubles(data, shape));
    }

    private Pair zeros(int... shape) {
        return new Pair(fast.zeros(shape), ref.zeros(shape));
    }

    private static int numel(int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    private CheckResult cmp(String layer, String caseName, String what, Pair p, double tol) {
        Comparison c = Compare.normwise(what, p.r.shape(), p.f.toDoubles(), p.r.toDoubles(), tol);
        return CheckResult.of(layer, caseName, kind + " " + what, c);
    }

    private CheckResult cmpScalar(String layer, String caseName, String what, double actual, double expected, double tol) {
        Comparison c = Compare.normwise(what, new int[] {1}, new double[] {actual}, new double[] {expected}, tol);
        return CheckResult.of(layer, caseName, kind + " " + what, c);
    }

    private List<CheckResult> guarded(String layer, String caseName, Supplier<List<CheckResult>> body) {
        try {
            return body.get();
        } catch (RuntimeException e) {
            return List.of(CheckResult.error(layer, caseName, kind + " run", e));
        }
    }

    // ------------------------------------------------------------------ layers

    public List<CheckResult> conv(ConvCase c) {
        return guarded("Conv2d", c.name(), () -> {
            Rng rng = new Rng(TestData.seed(c.name()));
            ConvGeometry g = c.geometry();
            int[] ws = g.weightShape(), ys = g.outputShape();
            Pair x = pair(TestData.uniform(rng, numel(g.inputShape()), -1, 1), g.inputShape());
            Pair w = pair(TestData.uniform(rng, numel(ws), -0.5, 0.5), ws);
            Pair b = c.bias() ? pair(TestData.uniform(rng, c.cOut(), -0.5, 0.5), c.cOut()) : null;
            Pair y = zeros(ys);
            fast.conv2dForward(x.f, w.f, b == null ? null : b.f, g, y.f);
            ref.conv2dForward(x.r, w.r, b == null ? null : b.r, g, y.r);
            Pair dy = pair(TestData.uniform(rng, numel(ys), -1, 1), ys);
            Pair dx = pair(TestData.uniform(rng, numel(g.inputShape()), -1, 1), g.inputShape()); // garbage: must be overwritten
            fast.conv2dBackwardInput(dy.f, w.f, g, dx.f);
            ref.conv2dBackwardInput(dy.r, w.r, g, dx.r);
            // dW starts non-zero: the kernel must accumulate onto it
            Pair dw = pair(TestData.uniform(rng, numel(ws), -1, 1), ws);
            fast.conv2dBackwardWeight(dy.f, x.f, g, dw.f);
            ref.conv2dBackwardWeight(dy.r, x.r, g, dw.r);
            // inference's fused form: the eval batch norm, a residual sum and the ReLU applied as the output is stored
            Pair mean = pair(TestData.uniform(rng, c.cOut(), -0.5, 0.5), c.cOut()), var = pair(TestData.uniform(rng, c.cOut(), 0.5, 2), c.cOut());
            Pair gamma = pair(TestData.uniform(rng, c.cOut(), 0.5, 1.5), c.cOut()), beta = pair(TestData.uniform(rng, c.cOut(), -0.5, 0.5), c.cOut());
            Pair residual = pair(TestData.uniform(rng, numel(ys), -1, 1), ys), fused = zeros(ys);
            fast.conv2dForwardFused(x.f, w.f, b == null ? null : b.f, g, new ConvEpilogue(mean.f, var.f, gamma.f, beta.f, 1e-5, residual.f, true), fused.f);
            ref.conv2dForwardFused(x.r, w.r, b == null ? null : b.r, g, new ConvEpilogue(mean.r, var.r, gamma.r, beta.r, 1e-5, residual.r, true), fused.r);
            List<CheckResult> out = new ArrayList<>();
            out.add(cmp("Conv2d", c.name(), "y", y, FORWARD_TOL));
            out.add(cmp("Conv2d", c.name(), "y fused with eval bn + residual + relu", fused, FORWARD_TOL));
            out.add(cmp("Conv2d", c.name(), "dx", dx, GRAD_TOL));
            out.add(cmp("Conv2d", c.name(), "dweight (+=)", dw, GRAD_TOL));
            if (c.bias()) {
                Pair db = pair(TestData.uniform(rng, c.cOut(), -1, 1), c.cOut());
                fast.sumPerChannelAccumulate(dy.f, db.f);
                ref.sumPerChannelAccumulate(dy.r, db.r);
                out.add(cmp("Conv2d", c.name(), "dbias (+=)", db, GRAD_TOL));
            }
            return out;
        });
    }

    public List<CheckResult> batchNorm(BatchNormCase c) {
        return guarded("BatchNorm2d", c.name(), () -> {
            Rng rng = new Rng(TestData.seed(c.name()));
            int[] s = {c.n(), c.c(), c.h(), c.w()};
            int count = numel(s);
            // a non-zero mean, as activations have, so the two-pass variance matters
            Pair x = pair(TestData.uniform(rng, count, -1, 2), s);
            Pair gamma = c.affine() ? pair(TestData.uniform(rng, c.c(), 0.5, 1.5), c.c()) : null;
            Pair beta = c.affine() ? pair(TestData.uniform(rng, c.c(), -0.5, 0.5), c.c()) : null;
            Pair dy = pair(TestData.uniform(rng, count, -1, 1), s);
            Pair y = zeros(s), dx = zeros(s);
            Pair dg = c.affine() ? pair(TestData.uniform(rng, c.c(), -1, 1), c.c()) : null;
            Pair db = c.affine() ? pair(TestData.uniform(rng, c.c(), -1, 1), c.c()) : null;
            List<CheckResult> out = new ArrayList<>();
            if (c.training()) {
                Pair mean = zeros(c.c()), var = zeros(c.c()), inv = zeros(c.c());
                fast.batchNormTrainForward(x.f, f(gamma), f(beta), c.eps(), y.f, mean.f, var.f, inv.f);
                ref.batchNormTrainForward(x.r, r(gamma), r(beta), c.eps(), y.r, mean.r, var.r, inv.r);
                out.add(cmp("BatchNorm2d", c.name(), "y", y, FORWARD_TOL));
                out.add(cmp("BatchNorm2d", c.name(), "batch mean", mean, FORWARD_TOL));
                out.add(cmp("BatchNorm2d", c.name(), "batch var", var, FORWARD_TOL));
                out.add(cmp("BatchNorm2d", c.name(), "batch invstd", inv, FORWARD_TOL));
                fast.batchNormTrainBackward(dy.f, x.f, f(gamma), mean.f, inv.f, dx.f, f(dg), f(db));
                ref.batchNormTrainBackward(dy.r, x.r, r(gamma), mean.r, inv.r, dx.r, r(dg), r(db));
            } else {
                Pair rm = pair(TestData.uniform(rng, c.c(), -0.5, 0.5), c.c());
                Pair rv = pair(TestData.uniform(rng, c.c(), 0.5, 2), c.c());
                fast.batchNormEvalForward(x.f, rm.f, rv.f, f(gamma), f(beta), c.eps(), y.f);
                ref.batchNormEvalForward(x.r, rm.r, rv.r, r(gamma), r(beta), c.eps(), y.r);
                out.add(cmp("BatchNorm2d", c.name(), "y", y, FORWARD_TOL));
                fast.batchNormEvalBackward(dy.f, x.f, rm.f, rv.f, f(gamma), c.eps(), dx.f, f(dg), f(db));
                ref.batchNormEvalBackward(dy.r, x.r, rm.r, rv.r, r(gamma), c.eps(), dx.r, r(dg), r(db));
            }
            out.add(cmp("BatchNorm2d", c.name(), "dx", dx, GRAD_TOL));
            if (c.affine()) {
                out.add(cmp("BatchNorm2d", c.name(), "dweight (+=)", dg, GRAD_TOL));
                out.add(cmp("BatchNorm2d", c.name(), "dbias (+=)", db, GRAD_TOL));
            }
            return out;
        });
    }

    private static Tensor f(Pair p) {
        return p == null ? null : p.f;
    }

    private static Tensor r(Pair p) {
        return p == null ? null : p.r;
    }

    public List<CheckResult> pool(PoolCase c) {
        String layer = c.max() ? "MaxPool2d" : "AvgPool2d";
        return guarded(layer, c.name(), () -> {
            Rng rng = new Rng(TestData.seed(c.name()));
            PoolGeometry g = c.geometry();
            int[] xs = g.inputShape(), ys = g.outputShape();
            // distinct values: the argmax is unambiguous, so both backends must pick the same element
            Pair x = pair(TestData.distinct(rng, numel(xs), -1, 1.0 / 1024), xs);
            Pair y = zeros(ys);
            Pair dy = pair(TestData.uniform(rng, numel(ys), -1, 1), ys);
            Pair dx = pair(TestData.uniform(rng, numel(xs), -1, 1), xs); // garbage: must be overwritten
            if (c.max()) {
                fast.maxPool2dForward(x.f, g, y.f);
                ref.maxPool2dForward(x.r, g, y.r);
                fast.maxPool2dBackward(dy.f, x.f, g, dx.f);
                ref.maxPool2dBackward(dy.r, x.r, g, dx.r);
            } else {
                fast.avgPool2dForward(x.f, g, y.f);
                ref.avgPool2dForward(x.r, g, y.r);
                fast.avgPool2dBackward(dy.f, g, dx.f);
                ref.avgPool2dBackward(dy.r, g, dx.r);
            }
            return List.of(cmp(layer, c.name(), "y", y, FORWARD_TOL), cmp(layer, c.name(), "dx", dx, GRAD_TOL));
        });
    }

    public List<CheckResult> adaptive(AdaptiveCase c) {
        return guarded("AdaptiveAvgPool2d", c.name(), () -> {
            Rng rng = new Rng(TestData.seed(c.name()));
            int[] xs = {c.n(), c.c(), c.h(), c.w()}, ys = {c.n(), c.c(), c.oh(), c.ow()};
            Pair x = pair(TestData.uniform(rng, numel(xs), -1, 1), xs);
            Pair y = zeros(ys);
            Pair dy = pair(TestData.uniform(rng, numel(ys), -1, 1), ys);
            Pair dx = pair(TestData.uniform(rng, numel(xs), -1, 1), xs);
            fast.adaptiveAvgPool2dForward(x.f, y.f);
            ref.adaptiveAvgPool2dForward(x.r, y.r);
            fast.adaptiveAvgPool2dBackward(dy.f, dx.f);
            ref.adaptiveAvgPool2dBackward(dy.r, dx.r);
            return List.of(cmp("AdaptiveAvgPool2d", c.name(), "y", y, FORWARD_TOL),
                    cmp("AdaptiveAvgPool2d", c.name(), "dx", dx, GRAD_TOL));
        });
    }

    /** Linear as the layer computes it: y = x W^T + b, dx = dy W, dW += dy^T x, db += sum dy. */
    public List<CheckResult> linear(LinearCase c) {
        return guarded("Linear", c.name(), () -> {
            Rng rng = new Rng(TestData.seed(c.name()));
            Pair x = pair(TestData.uniform(rng, c.n() * c.in(), -1, 1), c.n(), c.in());
            Pair w = pair(TestData.uniform(rng, c.out() * c.in(), -0.5, 0.5), c.out(), c.in());
            Pair y = zeros(c.n(), c.out());
            fast.gemm(false, true, c.n(), c.out(), c.in(), 1, x.f, 0, c.in(), w.f, 0, c.in(), 0, y.f, 0, c.out());
            ref.gemm(false, true, c.n(), c.out(), c.in(), 1, x.r, 0, c.in(), w.r, 0, c.in(), 0, y.r, 0, c.out());
            List<CheckResult> out = new ArrayList<>();
            if (c.bias()) {
                Pair b = pair(TestData.uniform(rng, c.out(), -0.5, 0.5), c.out());
                fast.addChannelBias(y.f, b.f);
                ref.addChannelBias(y.r, b.r);
            }
            out.add(cmp("Linear", c.name(), "y", y, FORWARD_TOL));
            Pair dy = pair(TestData.uniform(rng, c.n() * c.out(), -1, 1), c.n(), c.out());
            Pair dx = zeros(c.n(), c.in());
            fast.gemm(false, false, c.n(), c.in(), c.out(), 1, dy.f, 0, c.out(), w.f, 0, c.in(), 0, dx.f, 0, c.in());
            ref.gemm(false, false, c.n(), c.in(), c.out(), 1, dy.r, 0, c.out(), w.r, 0, c.in(), 0, dx.r, 0, c.in());
            Pair dw = pair(TestData.uniform(rng, c.out() * c.in(), -1, 1), c.out(), c.in());
            fast.gemm(true, false, c.out(), c.in(), c.n(), 1, dy.f, 0, c.out(), x.f, 0, c.in(), 1, dw.f, 0, c.in());
            ref.gemm(true, false, c.out(), c.in(), c.n(), 1, dy.r, 0, c.out(), x.r, 0, c.in(), 1, dw.r, 0, c.in());
            out.add(cmp("Linear", c.name(), "dx", dx, GRAD_TOL));
            out.add(cmp("Linear", c.name(), "dweight (+=)", dw, GRAD_TOL));
            if (c.bias()) {
                Pair db = zeros(c.out());
                fast.sumPerChannelAccumulate(dy.f, db.f);
                ref.sumPerChannelAccumulate(dy.r, db.r);
                out.add(cmp("Linear", c.name(), "dbias (+=)", db, GRAD_TOL));
            }
            return out;
        });
    }

    public List<CheckResult> crossEntropy(CrossEntropyCase c) {
        return guarded("CrossEntropyLoss", c.name(), () -> {
            Rng rng = new Rng(TestData.seed(c.name()));
            Pair z = pair(TestData.uniform(rng, c.n() * c.k(), -3, 3), c.n(), c.k());
            Pair labels = pair(TestData.labels(rng, c.n(), c.k()), c.n());
            Pair p = zeros(c.n(), c.k()), d = zeros(c.n(), c.k()), sm = zeros(c.n(), c.k());
            double lf = fast.crossEntropyForward(z.f, labels.f, c.labelSmoothing(), p.f);
            double lr = ref.crossEntropyForward(z.r, labels.r, c.labelSmoothing(), p.r);
            fast.crossEntropyBackward(p.f, labels.f, c.labelSmoothing(), 1.0 / c.n(), d.f);
            ref.crossEntropyBackward(p.r, labels.r, c.labelSmoothing(), 1.0 / c.n(), d.r);
            fast.softmax(z.f, sm.f);
            ref.softmax(z.r, sm.r);
            return List.of(cmpScalar("CrossEntropyLoss", c.name(), "loss", lf, lr, FORWARD_TOL),
                    cmp("CrossEntropyLoss", c.name(), "probs", p, FORWARD_TOL),
                    cmp("CrossEntropyLoss", c.name(), "softmax", sm, FORWARD_TOL),
                    cmp("CrossEntropyLoss", c.name(), "dlogits", d, GRAD_TOL));
        });
    }

    public List<CheckResult> relu(ShapeCase c) {
        return guarded("ReLU", c.name(), () -> {
            Rng rng = new Rng(TestData.seed(c.name()));
            int[] s = {c.n(), c.c(), c.h(), c.w()};
            Pair x = pair(TestData.uniform(rng, numel(s), -1, 1), s);
            Pair y = zeros(s);
            fast.relu(x.f, y.f);
            ref.relu(x.r, y.r);
            Pair dy = pair(TestData.uniform(rng, numel(s), -1, 1), s);
            Pair dx = zeros(s);
            fast.reluBackward(dy.f, y.f, dx.f);
            ref.reluBackward(dy.r, y.r, dx.r);
            return List.of(cmp("ReLU", c.name(), "y", y, FORWARD_TOL), cmp("ReLU", c.name(), "dx", dx, GRAD_TOL));
        });
    }

    /** The residual sum and the other element-wise and channel kernels, on one shape. */
    public List<CheckResult> elementwise(ShapeCase c) {
        return guarded("ResidualSum", c.name(), () -> {
            Rng rng = new Rng(TestData.seed(c.name()));
            int[] s = {c.n(), c.c(), c.h(), c.w()};
            int count = numel(s);
            Pair a = pair(TestData.uniform(rng, count, -1, 1), s), b = pair(TestData.uniform(rng, count, -1, 1), s);
            List<CheckResult> out = new ArrayList<>();
            Pair sum = zeros(s);
            fast.add(a.f, b.f, sum.f);
            ref.add(a.r, b.r, sum.r);
            out.add(cmp("ResidualSum", c.name(), "y = main + shortcut", sum, FORWARD_TOL));
            Pair acc = pair(TestData.uniform(rng, count, -1, 1), s);
            fast.axpy(0.37, a.f, acc.f);
            ref.axpy(0.37, a.r, acc.r);
            out.add(cmp("ResidualSum", c.name(), "axpy", acc, FORWARD_TOL));
            Pair sc = zeros(s), prod = zeros(s);
            fast.scale(a.f, -1.7, sc.f);
            ref.scale(a.r, -1.7, sc.r);
            fast.mul(a.f, b.f, prod.f);
            ref.mul(a.r, b.r, prod.r);
            out.add(cmp("ResidualSum", c.name(), "scale", sc, FORWARD_TOL));
            out.add(cmp("ResidualSum", c.name(), "mul", prod, FORWARD_TOL));
            Pair bias = pair(TestData.uniform(rng, c.c(), -1, 1), c.c());
            fast.addChannelBias(a.f, bias.f);
            ref.addChannelBias(a.r, bias.r);
            out.add(cmp("ResidualSum", c.name(), "addChannelBias", a, FORWARD_TOL));
            out.add(cmpScalar("ResidualSum", c.name(), "sum", fast.sum(b.f), ref.sum(b.r), FORWARD_TOL));
            out.add(cmpScalar("ResidualSum", c.name(), "sumOfSquares", fast.sumOfSquares(b.f), ref.sumOfSquares(b.r), FORWARD_TOL));
            out.add(cmpScalar("ResidualSum", c.name(), "maxAbs", fast.maxAbs(b.f), ref.maxAbs(b.r), FORWARD_TOL));
            // option-A shortcut: pad channels on the way forward, slice them back on the way back
            int[] padded = {c.n(), c.c() + 3, c.h(), c.w()};
            Pair py = zeros(padded);
            fast.padChannels(b.f, 1, 2, py.f);
            ref.padChannels(b.r, 1, 2, py.r);
            out.add(cmp("ResidualSum", c.name(), "padChannels", py, FORWARD_TOL));
            Pair dpy = pair(TestData.uniform(rng, numel(padded), -1, 1), padded), sl = zeros(s);
            fast.sliceChannels(dpy.f, 1, sl.f);
            ref.sliceChannels(dpy.r, 1, sl.r);
            out.add(cmp("ResidualSum", c.name(), "sliceChannels", sl, GRAD_TOL));
            return out;
        });
    }

    /** The mask is a pure function of (seed, index): every backend must produce exactly the same zeros. */
    public List<CheckResult> dropout(LayerCases.DropoutCase c) {
        return guarded("Dropout", c.name(), () -> {
            int[] s = {c.n(), c.c(), c.h(), c.w()};
            List<CheckResult> out = new ArrayList<>();
            for (double keep : new double[] {0.5, 0.8}) {
                Pair m = zeros(s);
                fast.dropoutMask(m.f, keep, 1234);
                ref.dropoutMask(m.r, keep, 1234);
                out.add(cmp("Dropout", c.name(), "mask keep=" + keep, m, FORWARD_TOL));
                double[] mf = m.f.toDoubles(), mr = m.r.toDoubles();
                long differ = 0;
                for (int i = 0; i < mf.length; i++) if ((mf[i] == 0) != (mr[i] == 0)) differ++;
                out.add(new CheckResult("Dropout", c.name(), kind + " dropped set keep=" + keep, differ, differ, 0,
                        differ == 0, differ == 0 ? "" : differ + " elements dropped on one backend but kept on the other"));
            }
            return out;
        });
    }

    // ------------------------------------------------------------------ GEMM

    public List<CheckResult> gemm() {
        List<CheckResult> out = new ArrayList<>();
        int[][] sizes = {{1, 1, 1}, {7, 17, 33}, {33, 5, 65}, {3, 129, 2}};
        for (int[] mnk : sizes)
            for (int t = 0; t < 4; t++)
                for (double beta : new double[] {0, 1.3}) {
                    boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                    int m = mnk[0], n = mnk[1], k = mnk[2];
                    String name = "gemm_" + m + "x" + n + "x" + k + (ta ? "_tA" : "") + (tb ? "_tB" : "") + "_beta" + beta;
                    out.addAll(guarded("GEMM", name, () -> {
                        Rng rng = new Rng(TestData.seed(name));
                        // leading dimensions wider than the rows and non-zero offsets: the kernel must honour both
                        int lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3, offA = 3, offB = 1, offC = 2;
                        int rowsA = ta ? k : m, rowsB = tb ? n : k;
                        Pair a = pair(TestData.uniform(rng, offA + rowsA * lda, -1, 1), offA + rowsA * lda);
                        Pair b = pair(TestData.uniform(rng, offB + rowsB * ldb, -1, 1), offB + rowsB * ldb);
                        double[] c0 = TestData.uniform(rng, offC + m * ldc, -1, 1);
                        if (beta == 0) java.util.Arrays.fill(c0, Double.NaN); // C must not be read
                        Pair c = pair(c0, offC + m * ldc);
                        fast.gemm(ta, tb, m, n, k, 0.75, a.f, offA, lda, b.f, offB, ldb, beta, c.f, offC, ldc);
                        ref.gemm(ta, tb, m, n, k, 0.75, a.r, offA, lda, b.r, offB, ldb, beta, c.r, offC, ldc);
                        // only C's m x n window is defined; compare exactly that
                        double[] cf = c.f.toDoubles(), cr = c.r.toDoubles();
                        double[] wf = new double[m * n], wr = new double[m * n];
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < n; j++) {
                                wf[i * n + j] = cf[offC + i * ldc + j];
                                wr[i * n + j] = cr[offC + i * ldc + j];
                            }
                        return List.of(CheckResult.of("GEMM", name, kind + " C",
                                Compare.normwise("C", new int[] {m, n}, wf, wr, FORWARD_TOL)));
                    }));
                }
        return out;
    }

    // ------------------------------------------------------------------ optimizers

    public List<CheckResult> optimizers() {
        List<CheckResult> out = new ArrayList<>();
        record Sgd(String name, double momentum, double dampening, boolean nesterov, double wd) {}
        for (Sgd s : List.of(new Sgd("sgd_plain", 0, 0, false, 0), new Sgd("sgd_momentum_wd", 0.9, 0, false, 5e-4),
                new Sgd("sgd_nesterov", 0.9, 0, true, 1e-4), new Sgd("sgd_dampening", 0.9, 0.3, false, 0))) {
            out.addAll(guarded("SGD", s.name(), () -> {
                Rng rng = new Rng(TestData.seed(s.name()));
                int n = 37;
                Pair p = pair(TestData.uniform(rng, n, -1, 1), n);
                Pair buf = s.momentum() != 0 ? zeros(n) : null;
                for (int step = 0; step < 3; step++) {
                    Pair g = pair(TestData.uniform(rng, n, -1, 1), n);
                    fast.sgdUpdate(p.f, g.f, f(buf), 0.1, s.momentum(), s.dampening(), s.nesterov(), s.wd(), step == 0);
                    ref.sgdUpdate(p.r, g.r, r(buf), 0.1, s.momentum(), s.dampening(), s.nesterov(), s.wd(), step == 0);
                }
                List<CheckResult> rows = new ArrayList<>();
                rows.add(cmp("SGD", s.name(), "param after 3 steps", p, FORWARD_TOL));
                if (buf != null) rows.add(cmp("SGD", s.name(), "momentum buffer", buf, FORWARD_TOL));
                return rows;
            }));
        }
        for (boolean decoupled : new boolean[] {false, true}) {
            String name = decoupled ? "adamw_wd1e-2" : "adam_wd1e-4";
            out.addAll(guarded(decoupled ? "AdamW" : "Adam", name, () -> {
                Rng rng = new Rng(TestData.seed(name));
                int n = 37;
                Pair p = pair(TestData.uniform(rng, n, -1, 1), n), m = zeros(n), v = zeros(n);
                for (int step = 1; step <= 3; step++) {
                    Pair g = pair(TestData.uniform(rng, n, -1, 1), n);
                    double wd = decoupled ? 1e-2 : 1e-4;
                    fast.adamUpdate(p.f, g.f, m.f, v.f, 1e-2, 0.9, 0.999, 1e-8, wd, decoupled, step);
                    ref.adamUpdate(p.r, g.r, m.r, v.r, 1e-2, 0.9, 0.999, 1e-8, wd, decoupled, step);
                }
                String layer = decoupled ? "AdamW" : "Adam";
                return List.of(cmp(layer, name, "param after 3 steps", p, FORWARD_TOL),
                        cmp(layer, name, "exp_avg", m, FORWARD_TOL), cmp(layer, name, "exp_avg_sq", v, FORWARD_TOL));
            }));
        }
        return out;
    }
}
