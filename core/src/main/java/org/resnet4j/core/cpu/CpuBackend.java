package org.resnet4j.core.cpu;

import org.resnet4j.core.Backend;
import org.resnet4j.core.ConvEpilogue;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.DType;
import org.resnet4j.core.Parallel;
import org.resnet4j.core.PoolGeometry;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;

/**
 * The float32 CPU backend. Work is split into independent tasks over images, channels or output
 * tiles (see {@link Parallel}); every reduction runs in a fixed order inside one task, so results are
 * bit-identical for any thread count.
 */
public final class CpuBackend implements Backend {
    private static final CpuBackend INSTANCE = new CpuBackend();
    /** Vector-API kernels when the module is resolved, scalar ones otherwise (see {@link Simd}). */
    private static final Kernels K = Simd.KERNELS;

    public static CpuBackend get() {
        return INSTANCE;
    }

    private CpuBackend() {}

    @Override
    public String name() {
        return "cpu";
    }

    /** Which kernels run, e.g. "vector 256-bit, micro-kernel 6x16" or "scalar". */
    public static String kernelsDescription() {
        return K.describe();
    }

    @Override
    public DType dtype() {
        return DType.FLOAT32;
    }

    private static CpuStorage storage(Tensor t) {
        if (!(t.storage() instanceof CpuStorage s) || s.backend() != INSTANCE) {
            throw new IllegalArgumentException("tensor " + t + " does not belong to the cpu backend; move it with toFloats()/fromFloats() first");
        }
        return s;
    }

    static float[] data(Tensor t) {
        float[] a = storage(t).dataOrNull();
        if (a == null) {
            throw new IllegalStateException("tensor " + t + " was released (its memory now belongs to another tensor) and cannot be used;"
                    + " a model releases its intermediate gradients when backward is done with them and its intermediate"
                    + " activations at its next forward (see Module): copy a tensor (toFloats) to keep it");
        }
        return a;
    }

    /** Wraps an existing array without copying (the caller gives up ownership). */
    public Tensor wrap(float[] data, int... shape) {
        return new Tensor(new CpuStorage(this, data), shape);
    }

    // ------------------------------------------------------------------ memory

    /**
     * Released arrays waiting to be reused. Capacity: system property {@code resnet4j.cpu.poolBytes},
     * by default half the maximum heap, which holds a whole training step of the models here.
     */
    private final ArrayPool pool = new ArrayPool(Long.getLong("resnet4j.cpu.poolBytes", Runtime.getRuntime().maxMemory() / 2));
    private volatile boolean recycling = !"false".equals(System.getProperty("resnet4j.cpu.recycle"));
    private volatile boolean nanFillEmpty = Boolean.getBoolean("resnet4j.cpu.nanFillEmpty");

    /**
     * Whether released tensors give their arrays to later allocations (default on; system property
     * {@code resnet4j.cpu.recycle=false} turns it off). Off, {@link #release} still marks tensors as
     * released, so a use after release fails the same way, and their arrays are left to the garbage
     * collector. Turning it off empties the pool.
     */
    public void setRecycling(boolean on) {
        recycling = on;
        if (!on) pool.evictDownTo(0);
    }

    public boolean isRecycling() {
        return recycling;
    }

    /**
     * For tests and debugging: {@link #empty} fills its tensors with NaN (system property
     * {@code resnet4j.cpu.nanFillEmpty=true}), so an output that a kernel does not overwrite in full
     * shows up as NaN instead of as stale values.
     */
    public void setNanFillEmpty(boolean on) {
        nanFillEmpty = on;
    }

    /** Bytes held by released arrays waiting for reuse. */
    public long pooledBytes() {
        return pool.pooledBytes();
    }

    /** Limits the bytes kept for reuse (dropping the least recently used lengths beyond it); 0 keeps none. */
    public void setPoolCapacityBytes(long bytes) {
        pool.setCapacityBytes(bytes);
    }

    /** Drops every pooled array, e.g. after training, before a long phase that needs none of them. */
    public void trimPool() {
        pool.evictDownTo(0);
    }

    private float[] allocate(int[] shape, boolean zero) {
        long n = Shape.numel(shape);
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor " + Shape.str(shape) + " is too large for one array");
        float[] a = recycling ? pool.take((int) n) : null;
        if (a == null) {
            a = new float[(int) n];  // the JVM zeroes it
            if (!zero && nanFillEmpty) java.util.Arrays.fill(a, Float.NaN);
        } else if (zero || nanFillEmpty) {
            float v = zero ? 0f : Float.NaN;
            float[] arr = a;
            chunked(arr.length, (from, to) -> java.util.Arrays.fill(arr, from, to, v));
        }
        return a;
    }

    @Override
    public Tensor zeros(int... shape) {
        return wrap(allocate(shape, true), shape);
    }

    @Override
    public Tensor empty(int... shape) {
        return wrap(allocate(shape, false), shape);
    }

    @Override
    public void release(Tensor t) {
        float[] a = storage(t).detach();
        if (a != null && recycling) pool.give(a);
    }

    @Override
    public boolean isReleased(Tensor t) {
        return storage(t).isReleased();
    }

    @Override
    public Tensor fromFloats(float[] data, int... shape) {
        checkLength(data.length, shape);
        return wrap(data.clone(), shape);
    }

    @Override
    public Tensor fromDoubles(double[] data, int... shape) {
        checkLength(data.length, shape);
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
        return wrap(f, shape);
    }

    private static void checkLength(int length, int... shape) {
        if (length != Shape.numel(shape)) {
            throw new IllegalArgumentException("data of length " + length + " does not fill shape " + Shape.str(shape)
                    + " (" + Shape.numel(shape) + " elements)");
        }
    }

    @Override
    public float[] toFloats(Tensor t) {
        return data(t).clone();
    }

    @Override
    public double[] toDoubles(Tensor t) {
        float[] f = data(t);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        float[] s = data(src), d = data(dst);
        if (s.length != d.length) throw new IllegalArgumentException("copy from " + src + " to " + dst + ": sizes differ");
        System.arraycopy(s, 0, d, 0, s.length);
    }

    @Override
    public void fill(Tensor t, double value) {
        java.util.Arrays.fill(data(t), (float) value);
    }

    // ------------------------------------------------------------------ matrix product

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                     Tensor a, int offA, int lda, Tensor b, int offB, int ldb,
                     double beta, Tensor c, int offC, int ldc) {
        GemmDriver.sgemm(K, transA, transB, m, n, k, (float) alpha, data(a), offA, lda, data(b), offB, ldb,
                (float) beta, data(c), offC, ldc, true);
    }

    // ------------------------------------------------------------------ element-wise

    /** Element-wise work is cut into fixed chunks (independent of the thread count). */
    private static final int CHUNK = 1 << 15;

    private interface RangeOp {
        void run(int from, int to);
    }

    private static void chunked(int n, RangeOp op) {
        int tasks = (n + CHUNK - 1) / CHUNK;
        if (tasks <= 1) {
            op.run(0, n);
            return;
        }
        Parallel.forEach(tasks, t -> op.run(t * CHUNK, Math.min(n, (t + 1) * CHUNK)));
    }

    /** Sum of per-chunk partial results in chunk order: the same for any thread count. */
    private static double chunkedSum(int n, java.util.function.IntToDoubleFunction chunk) {
        int tasks = Math.max(1, (n + CHUNK - 1) / CHUNK);
        double[] part = new double[tasks];
        if (tasks == 1) {
            part[0] = chunk.applyAsDouble(0);
        } else {
            Parallel.forEach(tasks, t -> part[t] = chunk.applyAsDouble(t));
        }
        double s = 0;
        for (double v : part) s += v;
        return s;
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        float[] x = data(a), y = data(b), o = data(out);
        chunked(o.length, (from, to) -> K.add(x, y, o, from, to));
    }

    @Override
    public void axpy(double alpha, Tensor x, Tensor y) {
        float[] xs = data(x), ys = data(y);
        float a = (float) alpha;
        chunked(ys.length, (from, to) -> K.axpy(a, xs, ys, from, to));
    }

    @Override
    public void scale(Tensor x, double alpha, Tensor out) {
        float[] xs = data(x), o = data(out);
        float a = (float) alpha;
        chunked(o.length, (from, to) -> K.scale(xs, a, o, from, to));
    }

    @Override
    public void mul(Tensor a, Tensor b, Tensor out) {
        float[] x = data(a), y = data(b), o = data(out);
        chunked(o.length, (from, to) -> K.mul(x, y, o, from, to));
    }

    @Override
    public void relu(Tensor x, Tensor y) {
        float[] xs = data(x), ys = data(y);
        chunked(ys.length, (from, to) -> K.relu(xs, ys, from, to));
    }

    @Override
    public void reluBackward(Tensor dy, Tensor y, Tensor dx) {
        float[] g = data(dy), out = data(y), d = data(dx);
        chunked(d.length, (from, to) -> K.reluBackward(g, out, d, from, to));
    }

    private static int spatial(Tensor t) {
        int s = 1;
        for (int i = 2; i < t.rank(); i++) s *= t.dim(i);
        return s;
    }

    @Override
    public void addChannelBias(Tensor y, Tensor bias) {
        float[] ys = data(y), b = data(bias);
        int n = y.dim(0), c = y.dim(1), hw = spatial(y);
        if (hw == 1) {
            // rank-2 (n, c): each row gets the bias vector
            for (int i = 0; i < n; i++) K.add(ys, b, ys, i * c, i * c, c);
            return;
        }
        Parallel.forEach(n, i -> {
            for (int ch = 0; ch < c; ch++) {
                int base = (i * c + ch) * hw;
                K.addScalar(ys, b[ch], base, base + hw);
            }
        });
    }

    @Override
    public void sumPerChannelAccumulate(Tensor x, Tensor acc) {
        float[] xs = data(x), a = data(acc);
        int n = x.dim(0), c = x.dim(1), hw = spatial(x);
        Parallel.forEach(c, ch -> {
            a[ch] += (float) K.sumPlanes(xs, ch * hw, c * hw, n, hw);
        });
    }

    // ------------------------------------------------------------------ reductions

    @Override
    public double sum(Tensor t) {
        float[] x = data(t);
        return chunkedSum(x.length, i -> K.sumDouble(x, i * CHUNK, Math.min(x.length, (i + 1) * CHUNK)));
    }

    @Override
    public double sumOfSquares(Tensor t) {
        float[] x = data(t);
        return chunkedSum(x.length, i -> K.sumSq(x, i * CHUNK, Math.min(x.length, (i + 1) * CHUNK)));
    }

    @Override
    public double maxAbs(Tensor t) {
        float[] x = data(t);
        int tasks = Math.max(1, (x.length + CHUNK - 1) / CHUNK);
        double[] part = new double[tasks];
        Parallel.forEach(tasks, i -> part[i] = K.maxAbs(x, i * CHUNK, Math.min(x.length, (i + 1) * CHUNK)));
        double m = 0;
        for (double v : part) {
            if (Double.isNaN(v)) return Double.NaN;
            m = Math.max(m, v);
        }
        return m;
    }

    @Override
    public long countNonFinite(Tensor t) {
        float[] x = data(t);
        return (long) chunkedSum(x.length, i -> K.countNonFinite(x, i * CHUNK, Math.min(x.length, (i + 1) * CHUNK)));
    }

    // ------------------------------------------------------------------ convolution

    @Override
    public void conv2dForward(Tensor x, Tensor weight, Tensor bias, ConvGeometry g, Tensor y) {
        Conv.forward(K, data(x), data(weight), bias == null ? null : data(bias), g, data(y));
    }

    /** Each output tile goes through the batch norm, the residual sum and the ReLU as the convolution stores it. */
    @Override
    public void conv2dForwardFused(Tensor x, Tensor weight, Tensor bias, ConvGeometry g, ConvEpilogue e, Tensor y) {
        float[] scale = null, shift = null;
        if (e.normalizes()) {
            scale = new float[g.cOut()];
            shift = new float[g.cOut()];
            evalScaleShift(e.runMean(), e.runVar(), e.gamma(), e.beta(), e.eps(), scale, shift);
        }
        OutputEpilogue finish = new OutputEpilogue(null, scale, shift, e.residual() == null ? null : data(e.residual()), e.relu());
        Conv.forward(K, data(x), data(weight), bias == null ? null : data(bias), g, data(y), finish);
    }

    @Override
    public void conv2dBackwardInput(Tensor dy, Tensor weight, ConvGeometry g, Tensor dx) {
        Conv.backwardInput(K, data(dy), data(weight), g, data(dx));
    }

    @Override
    public void conv2dBackwardWeight(Tensor dy, Tensor x, ConvGeometry g, Tensor dWeight) {
        Conv.backwardWeight(K, data(dy), data(x), g, data(dWeight));
    }

    // ------------------------------------------------------------------ batch normalization

    @Override
    public void batchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y,
                                      Tensor batchMean, Tensor batchVar, Tensor batchInvStd) {
        batchNormTrainForwardFused(x, gamma, beta, eps, y, batchMean, batchVar, batchInvStd, null, false);
    }

    /** The sum and the ReLU applied to each plane of y right after its affine map, while it is in L1. */
    @Override
    public void batchNormTrainForwardFused(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor batchMean,
                                           Tensor batchVar, Tensor batchInvStd, Tensor residual, boolean relu) {
        float[] xs = data(x), ys = data(y), mean = data(batchMean), var = data(batchVar), inv = data(batchInvStd);
        float[] rs = residual == null ? null : data(residual);
        boolean finish = rs != null || relu;
        float[] ga = gamma == null ? null : data(gamma), be = beta == null ? null : data(beta);
        int n = x.dim(0), c = x.dim(1), hw = spatial(x);
        double m = (double) n * hw;
        Parallel.forEach(c, ch -> {
            double mu = K.sumPlanes(xs, ch * hw, c * hw, n, hw) / m;
            // two passes (centered second moment) so a large mean does not cancel the variance away
            float muF = (float) mu;
            double ss = K.sumSqDiffPlanes(xs, muF, ch * hw, c * hw, n, hw);
            // correct for muF != mu exactly: sum (x - mu)^2 = sum (x - muF)^2 - m (mu - muF)^2
            double dmu = mu - muF;
            double v = Math.max(0.0, ss / m - dmu * dmu);
            double is = 1.0 / Math.sqrt(v + eps);
            mean[ch] = (float) mu;
            var[ch] = (float) v;
            inv[ch] = (float) is;
            double gch = ga == null ? 1.0 : ga[ch];
            float scale = (float) (is * gch);
            float shift = (float) ((be == null ? 0.0 : be[ch]) - mu * is * gch);
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * hw;
                K.affine(xs, ys, scale, shift, base, base + hw);
                if (finish) K.finishOutput(ys, base, base + hw, false, 0f, false, 1f, 0f, rs, relu);
            }
        });
    }

    @Override
    public void batchNormEvalForward(Tensor x, Tensor runMean, Tensor runVar, Tensor gamma, Tensor beta, double eps, Tensor y) {
        float[] xs = data(x), ys = data(y);
        int n = x.dim(0), c = x.dim(1), hw = spatial(x);
        float[] scale = new float[c], shift = new float[c];
        evalScaleShift(runMean, runVar, gamma, beta, eps, scale, shift);
        Parallel.forEach(c, ch -> {
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * hw;
                K.affine(xs, ys, scale[ch], shift[ch], base, base + hw);
            }
        });
    }

    /**
     * The eval batch norm as y = fma(x, scale, shift) per channel: scale = gamma / sqrt(var + eps) and
     * shift = beta - mean * scale, worked out in double and rounded once (also for {@link #conv2dForwardFused}).
     */
    private static void evalScaleShift(Tensor runMean, Tensor runVar, Tensor gamma, Tensor beta, double eps,
                                       float[] scale, float[] shift) {
        float[] mean = data(runMean), var = data(runVar);
        float[] ga = gamma == null ? null : data(gamma), be = beta == null ? null : data(beta);
        for (int ch = 0; ch < scale.length; ch++) {
            double is = 1.0 / Math.sqrt(var[ch] + eps);
            double gch = ga == null ? 1.0 : ga[ch];
            scale[ch] = (float) (is * gch);
            shift[ch] = (float) ((be == null ? 0.0 : be[ch]) - mean[ch] * is * gch);
        }
    }

    @Override
    public void batchNormTrainBackward(Tensor dy, Tensor x, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                       Tensor dx, Tensor dGamma, Tensor dBeta) {
        float[] g = data(dy), xs = data(x), mean = data(batchMean), inv = data(batchInvStd), d = data(dx);
        float[] ga = gamma == null ? null : data(gamma);
        float[] dg = dGamma == null ? null : data(dGamma), db = dBeta == null ? null : data(dBeta);
        int n = x.dim(0), c = x.dim(1), hw = spatial(x);
        double m = (double) n * hw;
        Parallel.forEach(c, ch -> {
            float muF = mean[ch];
            double mu = muF, is = inv[ch];
            double[] sums = new double[2];
            K.sumAndSumProdCenteredPlanes(g, xs, muF, ch * hw, c * hw, n, hw, sums);
            double sumDy = sums[0], sumDyXc = sums[1];
            double sumDyXhat = sumDyXc * is;
            if (db != null) db[ch] += (float) sumDy;
            if (dg != null) dg[ch] += (float) sumDyXhat;
            // dx = k (m dy - sum(dy) - xhat sum(dy xhat)) with xhat = (x - mu) is, as ka dy + kb x + kc
            double k = (ga == null ? 1.0 : ga[ch]) * is / m;
            float ka = (float) (k * m);
            float kb = (float) (-k * sumDyXhat * is);
            float kc = (float) (-k * sumDy + k * sumDyXhat * is * mu);
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * hw;
                K.affine2(g, xs, d, ka, kb, kc, base, base + hw);
            }
        });
    }

    @Override
    public void batchNormEvalBackward(Tensor dy, Tensor x, Tensor runMean, Tensor runVar, Tensor gamma, double eps,
                                      Tensor dx, Tensor dGamma, Tensor dBeta) {
        float[] g = data(dy), xs = data(x), mean = data(runMean), var = data(runVar), d = data(dx);
        float[] ga = gamma == null ? null : data(gamma);
        float[] dg = dGamma == null ? null : data(dGamma), db = dBeta == null ? null : data(dBeta);
        int n = x.dim(0), c = x.dim(1), hw = spatial(x);
        Parallel.forEach(c, ch -> {
            double is = 1.0 / Math.sqrt(var[ch] + eps);
            float k = (float) (is * (ga == null ? 1.0 : ga[ch]));
            double[] sums = new double[2];
            K.sumAndSumProdCenteredPlanes(g, xs, mean[ch], ch * hw, c * hw, n, hw, sums);
            double sumDy = sums[0], sumDyXc = sums[1];
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * hw;
                K.scale(g, k, d, base, base + hw);
            }
            if (db != null) db[ch] += (float) sumDy;
            if (dg != null) dg[ch] += (float) (sumDyXc * is);
        });
    }

    // ------------------------------------------------------------------ pooling

    @Override
    public void maxPool2dForward(Tensor x, PoolGeometry g, Tensor y) {
        Pool.maxForward(K, data(x), g, data(y));
    }

    @Override
    public void maxPool2dBackward(Tensor dy, Tensor x, PoolGeometry g, Tensor dx) {
        Pool.maxBackward(K, data(dy), data(x), g, data(dx));
    }

    @Override
    public void avgPool2dForward(Tensor x, PoolGeometry g, Tensor y) {
        Pool.avgForward(data(x), g, data(y));
    }

    @Override
    public void avgPool2dBackward(Tensor dy, PoolGeometry g, Tensor dx) {
        Pool.avgBackward(data(dy), g, data(dx));
    }

    @Override
    public void adaptiveAvgPool2dForward(Tensor x, Tensor y) {
        Pool.adaptiveAvgForward(data(x), x.dim(0) * x.dim(1), x.dim(2), x.dim(3), data(y), y.dim(2), y.dim(3));
    }

    @Override
    public void adaptiveAvgPool2dBackward(Tensor dy, Tensor dx) {
        Pool.adaptiveAvgBackward(data(dy), dx.dim(0) * dx.dim(1), dx.dim(2), dx.dim(3), data(dx), dy.dim(2), dy.dim(3));
    }

    // ------------------------------------------------------------------ channel moves

    @Override
    public void padChannels(Tensor x, int before, int after, Tensor y) {
        float[] xs = data(x), ys = data(y);
        int n = x.dim(0), c = x.dim(1), hw = spatial(x), cy = c + before + after;
        java.util.Arrays.fill(ys, 0f);
        for (int i = 0; i < n; i++) System.arraycopy(xs, i * c * hw, ys, (i * cy + before) * hw, c * hw);
    }

    @Override
    public void sliceChannels(Tensor dy, int start, Tensor dx) {
        float[] g = data(dy), d = data(dx);
        int n = dx.dim(0), c = dx.dim(1), hw = spatial(dx), cy = dy.dim(1);
        for (int i = 0; i < n; i++) System.arraycopy(g, (i * cy + start) * hw, d, i * c * hw, c * hw);
    }

    // ------------------------------------------------------------------ loss

    @Override
    public double crossEntropyForward(Tensor logits, Tensor labels, double labelSmoothing, Tensor probs) {
        float[] z = data(logits), lab = data(labels), p = data(probs);
        int n = logits.dim(0), k = logits.dim(1);
        double total = 0;
        for (int i = 0; i < n; i++) {
            int row = i * k;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) max = Math.max(max, z[row + j]);
            double se = 0;
            for (int j = 0; j < k; j++) se += Math.exp(z[row + j] - max);
            double logSumExp = max + Math.log(se);
            int y = (int) lab[i];
            double sumLogP = 0;
            for (int j = 0; j < k; j++) {
                double logp = z[row + j] - logSumExp;
                p[row + j] = (float) Math.exp(logp);
                sumLogP += logp;
            }
            double nll = -(z[row + y] - logSumExp);
            total += (1 - labelSmoothing) * nll - labelSmoothing / k * sumLogP;
        }
        return total / n;
    }

    @Override
    public void crossEntropyBackward(Tensor probs, Tensor labels, double labelSmoothing, double gradScale, Tensor dlogits) {
        float[] p = data(probs), lab = data(labels), d = data(dlogits);
        int n = probs.dim(0), k = probs.dim(1);
        double off = labelSmoothing / k;
        for (int i = 0; i < n; i++) {
            int y = (int) lab[i];
            for (int j = 0; j < k; j++) {
                double target = off + (j == y ? 1 - labelSmoothing : 0);
                d[i * k + j] = (float) (gradScale * (p[i * k + j] - target));
            }
        }
    }

    @Override
    public void softmax(Tensor logits, Tensor probs) {
        float[] z = data(logits), p = data(probs);
        int n = logits.dim(0), k = logits.dim(1);
        for (int i = 0; i < n; i++) {
            int row = i * k;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) max = Math.max(max, z[row + j]);
            double se = 0;
            for (int j = 0; j < k; j++) se += Math.exp(z[row + j] - max);
            for (int j = 0; j < k; j++) p[row + j] = (float) (Math.exp(z[row + j] - max) / se);
        }
    }

    @Override
    public void dropoutMask(Tensor mask, double keepProb, long seed) {
        float[] m = data(mask);
        float keep = (float) (1.0 / keepProb);
        for (int i = 0; i < m.length; i++) m[i] = Rng.uniformAt(seed, i) < keepProb ? keep : 0f;
    }

    // ------------------------------------------------------------------ optimizers

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuffer, double lr, double momentum,
                          double dampening, boolean nesterov, double weightDecay, boolean firstStep) {
        float[] p = data(param), g = data(grad), buf = momentumBuffer == null ? null : data(momentumBuffer);
        float wd = (float) weightDecay, mom = (float) momentum, damp = (float) (1 - dampening), rate = (float) lr;
        chunked(p.length, (from, to) -> K.sgd(p, g, buf, rate, mom, damp, nesterov, wd, firstStep, from, to));
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1,
                           double beta2, double eps, double weightDecay, boolean decoupledWeightDecay, long step) {
        float[] p = data(param), g = data(grad), m = data(expAvg), v = data(expAvgSq);
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (lr / bc1);
        float bc2Sqrt = (float) Math.sqrt(bc2);
        float b1 = (float) beta1, b2 = (float) beta2, e = (float) eps, wd = (float) weightDecay;
        // 1 - beta in double, rounded once, as PyTorch passes it (1 - (float) 0.999 is off by 1.3e-5)
        float c1 = (float) (1 - beta1), c2 = (float) (1 - beta2);
        float decay = (float) (1 - lr * weightDecay);
        chunked(p.length, (from, to) -> K.adam(p, g, m, v, stepSize, bc2Sqrt, b1, b2, c1, c2, e, wd, decoupledWeightDecay, decay, from, to));
    }
}
