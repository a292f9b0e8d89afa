package org.resnet4j.verify;

import org.resnet4j.core.Backend;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.DType;
import org.resnet4j.core.PoolGeometry;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;

/**
 * The float64 oracle: every {@link Backend} kernel written as plain loops straight from its formula,
 * single-threaded, sharing no code with the fast backends. The same layers and models run on it, so
 * finite differences here check the layers' backward formulas end to end, and the fast backends are
 * held to it kernel by kernel.
 *
 * <p>Clarity beats speed here: a convolution is seven nested loops, batch norm takes two passes over
 * the data (mean first, then the variance around it), and every window of a pooling layer is scanned
 * in PyTorch's order.
 */
public final class ReferenceBackend implements Backend {
    private static final ReferenceBackend INSTANCE = new ReferenceBackend();

    public static ReferenceBackend get() {
        return INSTANCE;
    }

    private ReferenceBackend() {}

    @Override
    public String name() {
        return "reference-f64";
    }

    @Override
    public DType dtype() {
        return DType.FLOAT64;
    }

    /** The backing array of a tensor of this backend (no copy). */
    public static double[] data(Tensor t) {
        double[] d = storage(t).data;
        if (d == null) {
            throw new IllegalStateException("tensor " + t + " was released and cannot be used; a model releases its intermediate"
                    + " activations at its next forward and its intermediate gradients when backward is done with them");
        }
        return d;
    }

    private static ReferenceStorage storage(Tensor t) {
        if (!(t.storage() instanceof ReferenceStorage s)) {
            throw new IllegalArgumentException("tensor " + t + " does not belong to the reference-f64 backend; move it with "
                    + "ReferenceBackend.get().fromDoubles(t.toDoubles(), t.shape()) first");
        }
        return s;
    }

    /** Wraps an existing array without copying (the caller gives up ownership). */
    public Tensor wrap(double[] data, int... shape) {
        return new Tensor(new ReferenceStorage(this, data), shape);
    }

    /** A copy of any backend's tensor on this backend (exact: every float32 is a float64). */
    public Tensor copyOf(Tensor t) {
        return wrap(t.toDoubles(), t.shape());
    }

    // ------------------------------------------------------------------ memory

    @Override
    public Tensor zeros(int... shape) {
        long n = Shape.numel(shape);
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor " + Shape.str(shape) + " is too large for one array");
        return wrap(new double[(int) n], shape);
    }

    /** NaN-filled: a kernel that leaves part of an output it should overwrite shows NaN in the oracle. */
    @Override
    public Tensor empty(int... shape) {
        Tensor t = zeros(shape);
        java.util.Arrays.fill(data(t), Double.NaN);
        return t;
    }

    /** Marks t released (later uses fail); the array is left to the garbage collector. */
    @Override
    public void release(Tensor t) {
        storage(t).data = null;
    }

    @Override
    public boolean isReleased(Tensor t) {
        return storage(t).data == null;
    }

    @Override
    public Tensor fromFloats(float[] data, int... shape) {
        checkLength(data.length, shape);
        double[] d = new double[data.length];
        for (int i = 0; i < d.length; i++) d[i] = data[i];
        return wrap(d, shape);
    }

    @Override
    public Tensor fromDoubles(double[] data, int... shape) {
        checkLength(data.length, shape);
        return wrap(data.clone(), shape);
    }

    private static void checkLength(int length, int... shape) {
        if (length != Shape.numel(shape)) {
            throw new IllegalArgumentException("data of length " + length + " does not fill shape " + Shape.str(shape)
                    + " (" + Shape.numel(shape) + " elements)");
        }
    }

    @Override
    public float[] toFloats(Tensor t) {
        double[] d = data(t);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    @Override
    public double[] toDoubles(Tensor t) {
        return data(t).clone();
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        double[] s = data(src), d = data(dst);
        if (s.length != d.length) {
            throw new IllegalArgumentException("copy from " + src + " to " + dst + ": element counts differ");
        }
        System.arraycopy(s, 0, d, 0, s.length);
    }

    @Override
    public void fill(Tensor t, double value) {
        java.util.Arrays.fill(data(t), value);
    }

    // ------------------------------------------------------------------ matrix product

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                     Tensor a, int offA, int lda, Tensor b, int offB, int ldb,
                     double beta, Tensor c, int offC, int ldc) {
        double[] A = data(a), B = data(b), C = data(c);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double aip = transA ? A[offA + p * lda + i] : A[offA + i * lda + p];
                    double bpj = transB ? B[offB + j * ldb + p] : B[offB + p * ldb + j];
                    s += aip * bpj;
                }
                int ci = offC + i * ldc + j;
                // beta == 0: C is not read, so NaN already in C does not leak through (BLAS rule)
                C[ci] = beta == 0 ? alpha * s : alpha * s + beta * C[ci];
            }
        }
    }

    // ------------------------------------------------------------------ element-wise

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        double[] A = data(a), B = data(b), O = data(out);
        for (int i = 0; i < O.length; i++) O[i] = A[i] + B[i];
    }

    @Override
    public void axpy(double alpha, Tensor x, Tensor y) {
        double[] X = data(x), Y = data(y);
        for (int i = 0; i < Y.length; i++) Y[i] += alpha * X[i];
    }

    @Override
    public void scale(Tensor x, double alpha, Tensor out) {
        double[] X = data(x), O = data(out);
        for (int i = 0; i < O.length; i++) O[i] = alpha * X[i];
    }

    @Override
    public void mul(Tensor a, Tensor b, Tensor out) {
        double[] A = data(a), B = data(b), O = data(out);
        for (int i = 0; i < O.length; i++) O[i] = A[i] * B[i];
    }

    @Override
    public void relu(Tensor x, Tensor y) {
        double[] X = data(x), Y = data(y);
        // NaN stays NaN, as torch.relu does
        for (int i = 0; i < Y.length; i++) Y[i] = X[i] > 0 || Double.isNaN(X[i]) ? X[i] : 0.0;
    }

    @Override
    public void reluBackward(Tensor dy, Tensor y, Tensor dx) {
        double[] DY = data(dy), Y = data(y), DX = data(dx);
        for (int i = 0; i < DX.length; i++) DX[i] = Y[i] > 0 ? DY[i] : 0.0;
    }

    @Override
    public void addChannelBias(Tensor y, Tensor bias) {
        double[] Y = data(y), B = data(bias);
        int n = y.dim(0), c = y.dim(1), hw = spatial(y);
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < hw; p++) Y[(i * c + ch) * hw + p] += B[ch];
    }

    @Override
    public void sumPerChannelAccumulate(Tensor x, Tensor acc) {
        double[] X = data(x), A = data(acc);
        int n = x.dim(0), c = x.dim(1), hw = spatial(x);
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int i = 0; i < n; i++)
                for (int p = 0; p < hw; p++) s += X[(i * c + ch) * hw + p];
            A[ch] += s;
        }
    }

    /** h*w for (n, c, h, w), 1 for (n, c). */
    private static int spatial(Tensor t) {
        int hw = 1;
        for (int d = 2; d < t.rank(); d++) hw *= t.dim(d);
        return hw;
    }

    // ------------------------------------------------------------------ reductions

    @Override
    public double sum(Tensor t) {
        double s = 0;
        for (double v : data(t)) s += v;
        return s;
    }

    @Override
    public double sumOfSquares(Tensor t) {
        double s = 0;
        for (double v : data(t)) s += v * v;
        return s;
    }

    @Override
    public double maxAbs(Tensor t) {
        double m = 0;
        for (double v : data(t)) {
            if (Double.isNaN(v)) return Double.NaN;
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Override
    public long countNonFinite(Tensor t) {
        long c = 0;
        for (double v : data(t)) if (!Double.isFinite(v)) c++;
        return c;
    }

    // ------------------------------------------------------------------ convolution

    /**
     * y[n, co, oy, ox] = bias[co] + sum over ci in co's group, ky, kx of
     * x[n, g*cinG + ci, oy*sH - pH + ky*dH, ox*sW - pW + kx*dW] * w[co, ci, ky, kx], out-of-range x = 0.
     */
    @Override
    public void conv2dForward(Tensor x, Tensor weight, Tensor bias, ConvGeometry g, Tensor y) {
        double[] X = data(x), W = data(weight), Y = data(y);
        double[] B = bias == null ? null : data(bias);
        int oh = g.outH(), ow = g.outW(), cinG = g.cInPerGroup(), coutG = g.cOutPerGroup();
        for (int n = 0; n < g.n(); n++)
            for (int co = 0; co < g.cOut(); co++) {
                int grp = co / coutG;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double s = B == null ? 0.0 : B[co];
                        for (int ci = 0; ci < cinG; ci++)
                            for (int ky = 0; ky < g.kH(); ky++)
                                for (int kx = 0; kx < g.kW(); kx++) {
                                    int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                                    int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                                    if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                                    s += X[idx4(n, grp * cinG + ci, iy, ix, g.cIn(), g.h(), g.w())]
                                            * W[idx4(co, ci, ky, kx, cinG, g.kH(), g.kW())];
                                }
                        Y[idx4(n, co, oy, ox, g.cOut(), oh, ow)] = s;
                    }
            }
    }

    /** dx[n, ci, iy, ix] = sum of dy[n, co, oy, ox] * w[co, ci', ky, kx] over every (oy, ox, ky, kx) that read x there. */
    @Override
    public void conv2dBackwardInput(Tensor dy, Tensor weight, ConvGeometry g, Tensor dx) {
        double[] DY = data(dy), W = data(weight), DX = data(dx);
        java.util.Arrays.fill(DX, 0.0);
        int oh = g.outH(), ow = g.outW(), cinG = g.cInPerGroup(), coutG = g.cOutPerGroup();
        for (int n = 0; n < g.n(); n++)
            for (int co = 0; co < g.cOut(); co++) {
                int grp = co / coutG;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double d = DY[idx4(n, co, oy, ox, g.cOut(), oh, ow)];
                        for (int ci = 0; ci < cinG; ci++)
                            for (int ky = 0; ky < g.kH(); ky++)
                                for (int kx = 0; kx < g.kW(); kx++) {
                                    int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                                    int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                                    if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                                    DX[idx4(n, grp * cinG + ci, iy, ix, g.cIn(), g.h(), g.w())]
                                            += d * W[idx4(co, ci, ky, kx, cinG, g.kH(), g.kW())];
                                }
                    }
            }
    }

    /** dw[co, ci, ky, kx] += sum over n, oy, ox of dy[n, co, oy, ox] * x[n, g*cinG + ci, iy, ix]. */
    @Override
    public void conv2dBackwardWeight(Tensor dy, Tensor x, ConvGeometry g, Tensor dWeight) {
        double[] DY = data(dy), X = data(x), DW = data(dWeight);
        int oh = g.outH(), ow = g.outW(), cinG = g.cInPerGroup(), coutG = g.cOutPerGroup();
        for (int co = 0; co < g.cOut(); co++) {
            int grp = co / coutG;
            for (int ci = 0; ci < cinG; ci++)
                for (int ky = 0; ky < g.kH(); ky++)
                    for (int kx = 0; kx < g.kW(); kx++) {
                        double s = 0;
                        for (int n = 0; n < g.n(); n++)
                            for (int oy = 0; oy < oh; oy++)
                                for (int ox = 0; ox < ow; ox++) {
                                    int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                                    int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                                    if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                                    s += DY[idx4(n, co, oy, ox, g.cOut(), oh, ow)]
                                            * X[idx4(n, grp * cinG + ci, iy, ix, g.cIn(), g.h(), g.w())];
                                }
                        DW[idx4(co, ci, ky, kx, cinG, g.kH(), g.kW())] += s;
                    }
        }
    }

    private static int idx4(int a, int b, int c, int d, int B, int C, int D) {
        return ((a * B + b) * C + c) * D + d;
    }

    // ------------------------------------------------------------------ batch normalization

    @Override
    public void batchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y,
                                      Tensor batchMean, Tensor batchVar, Tensor batchInvStd) {
        double[] X = data(x), Y = data(y), M = data(batchMean), V = data(batchVar), IS = data(batchInvStd);
        double[] G = gamma == null ? null : data(gamma), Bt = beta == null ? null : data(beta);
        int n = x.dim(0), c = x.dim(1), hw = spatial(x);
        double m = (double) n * hw;
        for (int ch = 0; ch < c; ch++) {
            // pass 1: the mean
            double s = 0;
            for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) s += X[(i * c + ch) * hw + p];
            double mean = s / m;
            // pass 2: the biased variance around it (no E[x^2] - E[x]^2 cancellation)
            double ss = 0;
            for (int i = 0; i < n; i++)
                for (int p = 0; p < hw; p++) {
                    double d = X[(i * c + ch) * hw + p] - mean;
                    ss += d * d;
                }
            double var = ss / m;
            double invStd = 1.0 / Math.sqrt(var + eps);
            M[ch] = mean;
            V[ch] = var;
            IS[ch] = invStd;
            double gm = G == null ? 1.0 : G[ch], bt = Bt == null ? 0.0 : Bt[ch];
            for (int i = 0; i < n; i++)
                for (int p = 0; p < hw; p++) {
                    int k = (i * c + ch) * hw + p;
                    Y[k] = (X[k] - mean) * invStd * gm + bt;
                }
        }
    }

    @Override
    public void batchNormEvalForward(Tensor x, Tensor runMean, Tensor runVar, Tensor gamma, Tensor beta, double eps, Tensor y) {
        double[] X = data(x), Y = data(y), RM = data(runMean), RV = data(runVar);
        double[] G = gamma == null ? null : data(gamma), Bt = beta == null ? null : data(beta);
        int n = x.dim(0), c = x.dim(1), hw = spatial(x);
        for (int ch = 0; ch < c; ch++) {
            double invStd = 1.0 / Math.sqrt(RV[ch] + eps);
            double gm = G == null ? 1.0 : G[ch], bt = Bt == null ? 0.0 : Bt[ch];
            for (int i = 0; i < n; i++)
                for (int p = 0; p < hw; p++) {
                    int k = (i * c + ch) * hw + p;
                    Y[k] = (X[k] - RM[ch]) * invStd * gm + bt;
                }
        }
    }

    @Override
    public void batchNormTrainBackward(Tensor dy, Tensor x, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                       Tensor dx, Tensor dGamma, Tensor dBeta) {
        double[] DY = data(dy), X = data(x), M = data(batchMean), IS = data(batchInvStd), DX = data(dx);
        double[] G = gamma == null ? null : data(gamma);
        double[] DG = dGamma == null ? null : data(dGamma), DB = dBeta == null ? null : data(dBeta);
        int n = x.dim(0), c = x.dim(1), hw = spatial(x);
        double m = (double) n * hw;
        for (int ch = 0; ch < c; ch++) {
            double mean = M[ch], invStd = IS[ch];
            double sumDy = 0, sumDyXhat = 0;
            for (int i = 0; i < n; i++)
                for (int p = 0; p < hw; p++) {
                    int k = (i * c + ch) * hw + p;
                    sumDy += DY[k];
                    sumDyXhat += DY[k] * (X[k] - mean) * invStd;
                }
            if (DB != null) DB[ch] += sumDy;
            if (DG != null) DG[ch] += sumDyXhat;
            double gm = G == null ? 1.0 : G[ch];
            for (int i = 0; i < n; i++)
                for (int p = 0; p < hw; p++) {
                    int k = (i * c + ch) * hw + p;
                    double xhat = (X[k] - mean) * invStd;
                    DX[k] = gm * invStd / m * (m * DY[k] - sumDy - xhat * sumDyXhat);
                }
        }
    }

    @Override
    public void batchNormEvalBackward(Tensor dy, Tensor x, Tensor runMean, Tensor runVar, Tensor gamma, double eps,
                                      Tensor dx, Tensor dGamma, Tensor dBeta) {
        double[] DY = data(dy), X = data(x), RM = data(runMean), RV = data(runVar), DX = data(dx);
        double[] G = gamma == null ? null : data(gamma);
        double[] DG = dGamma == null ? null : data(dGamma), DB = dBeta == null ? null : data(dBeta);
        int n = x.dim(0), c = x.dim(1), hw = spatial(x);
        for (int ch = 0; ch < c; ch++) {
            double invStd = 1.0 / Math.sqrt(RV[ch] + eps);
            double gm = G == null ? 1.0 : G[ch];
            double sumDy = 0, sumDyXhat = 0;
            for (int i = 0; i < n; i++)
                for (int p = 0; p < hw; p++) {
                    int k = (i * c + ch) * hw + p;
                    sumDy += DY[k];
                    sumDyXhat += DY[k] * (X[k] - RM[ch]) * invStd;
                    DX[k] = DY[k] * gm * invStd;
                }
            if (DB != null) DB[ch] += sumDy;
            if (DG != null) DG[ch] += sumDyXhat;
        }
    }

    // ------------------------------------------------------------------ pooling

    /** Flat index into x of the window's maximum: padding is -inf, NaN wins, ties go to the first in scan order. */
    private static int argmax(double[] X, int base, PoolGeometry g, int oy, int ox) {
        int best = -1;
        double bestV = Double.NEGATIVE_INFINITY;
        for (int ky = 0; ky < g.kH(); ky++)
            for (int kx = 0; kx < g.kW(); kx++) {
                int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                int k = base + iy * g.w() + ix;
                if (best < 0) best = k; // PyTorch starts from the first in-range element (an all -inf window)
                if (X[k] > bestV || Double.isNaN(X[k])) {
                    best = k;
                    bestV = X[k];
                    if (Double.isNaN(bestV)) return best;
                }
            }
        return best;
    }

    @Override
    public void maxPool2dForward(Tensor x, PoolGeometry g, Tensor y) {
        double[] X = data(x), Y = data(y);
        int oh = g.outH(), ow = g.outW();
        for (int nc = 0; nc < g.n() * g.c(); nc++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int k = argmax(X, nc * g.h() * g.w(), g, oy, ox);
                    Y[(nc * oh + oy) * ow + ox] = k < 0 ? Double.NEGATIVE_INFINITY : X[k];
                }
    }

    @Override
    public void maxPool2dBackward(Tensor dy, Tensor x, PoolGeometry g, Tensor dx) {
        double[] DY = data(dy), X = data(x), DX = data(dx);
        java.util.Arrays.fill(DX, 0.0);
        int oh = g.outH(), ow = g.outW();
        for (int nc = 0; nc < g.n() * g.c(); nc++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int k = argmax(X, nc * g.h() * g.w(), g, oy, ox);
                    if (k >= 0) DX[k] += DY[(nc * oh + oy) * ow + ox];
                }
    }

    /**
     * PyTorch's avg_pool2d window: [start, start+k) clipped to [-pad, in+pad) gives the count_include_pad
     * divisor; clipped to [0, in) gives the summed range and the other divisor. Returns
     * {y0, y1, x0, x1, divisor}, divisor 0 for an empty window.
     */
    private static int[] avgWindow(PoolGeometry g, int oy, int ox) {
        int y0 = oy * g.strideH() - g.padH(), x0 = ox * g.strideW() - g.padW();
        int y1 = Math.min(y0 + g.kH(), g.h() + g.padH()), x1 = Math.min(x0 + g.kW(), g.w() + g.padW());
        int padded = (y1 - y0) * (x1 - x0);
        y0 = Math.max(y0, 0);
        x0 = Math.max(x0, 0);
        y1 = Math.min(y1, g.h());
        x1 = Math.min(x1, g.w());
        if (y0 >= y1 || x0 >= x1) return new int[] {y0, y1, x0, x1, 0};
        int divisor = g.divisorOverride() > 0 ? g.divisorOverride() : g.countIncludePad() ? padded : (y1 - y0) * (x1 - x0);
        return new int[] {y0, y1, x0, x1, divisor};
    }

    @Override
    public void avgPool2dForward(Tensor x, PoolGeometry g, Tensor y) {
        double[] X = data(x), Y = data(y);
        int oh = g.outH(), ow = g.outW();
        for (int nc = 0; nc < g.n() * g.c(); nc++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int[] win = avgWindow(g, oy, ox);
                    double s = 0;
                    for (int iy = win[0]; iy < win[1]; iy++)
                        for (int ix = win[2]; ix < win[3]; ix++) s += X[(nc * g.h() + iy) * g.w() + ix];
                    Y[(nc * oh + oy) * ow + ox] = win[4] == 0 ? 0.0 : s / win[4];
                }
    }

    @Override
    public void avgPool2dBackward(Tensor dy, PoolGeometry g, Tensor dx) {
        double[] DY = data(dy), DX = data(dx);
        java.util.Arrays.fill(DX, 0.0);
        int oh = g.outH(), ow = g.outW();
        for (int nc = 0; nc < g.n() * g.c(); nc++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int[] win = avgWindow(g, oy, ox);
                    if (win[4] == 0) continue;
                    double d = DY[(nc * oh + oy) * ow + ox] / win[4];
                    for (int iy = win[0]; iy < win[1]; iy++)
                        for (int ix = win[2]; ix < win[3]; ix++) DX[(nc * g.h() + iy) * g.w() + ix] += d;
                }
    }

    private static int floorDiv(int a, int b) {
        return Math.floorDiv(a, b);
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    @Override
    public void adaptiveAvgPool2dForward(Tensor x, Tensor y) {
        double[] X = data(x), Y = data(y);
        int nc = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3), oh = y.dim(2), ow = y.dim(3);
        for (int p = 0; p < nc; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    int y0 = floorDiv(i * h, oh), y1 = ceilDiv((i + 1) * h, oh);
                    int x0 = floorDiv(j * w, ow), x1 = ceilDiv((j + 1) * w, ow);
                    double s = 0;
                    for (int iy = y0; iy < y1; iy++) for (int ix = x0; ix < x1; ix++) s += X[(p * h + iy) * w + ix];
                    Y[(p * oh + i) * ow + j] = s / ((y1 - y0) * (x1 - x0));
                }
    }

    @Override
    public void adaptiveAvgPool2dBackward(Tensor dy, Tensor dx) {
        double[] DY = data(dy), DX = data(dx);
        java.util.Arrays.fill(DX, 0.0);
        int nc = dx.dim(0) * dx.dim(1), h = dx.dim(2), w = dx.dim(3), oh = dy.dim(2), ow = dy.dim(3);
        for (int p = 0; p < nc; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    int y0 = floorDiv(i * h, oh), y1 = ceilDiv((i + 1) * h, oh);
                    int x0 = floorDiv(j * w, ow), x1 = ceilDiv((j + 1) * w, ow);
                    double d = DY[(p * oh + i) * ow + j] / ((y1 - y0) * (x1 - x0));
                    for (int iy = y0; iy < y1; iy++) for (int ix = x0; ix < x1; ix++) DX[(p * h + iy) * w + ix] += d;
                }
    }

    // ------------------------------------------------------------------ channel moves

    @Override
    public void padChannels(Tensor x, int before, int after, Tensor y) {
        double[] X = data(x), Y = data(y);
        int n = x.dim(0), c = x.dim(1), hw = spatial(x), cy = c + before + after;
        java.util.Arrays.fill(Y, 0.0);
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < hw; p++) Y[(i * cy + before + ch) * hw + p] = X[(i * c + ch) * hw + p];
    }

    @Override
    public void sliceChannels(Tensor dy, int start, Tensor dx) {
        double[] DY = data(dy), DX = data(dx);
        int n = dx.dim(0), c = dx.dim(1), hw = spatial(dx), cy = dy.dim(1);
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < hw; p++) DX[(i * c + ch) * hw + p] = DY[(i * cy + start + ch) * hw + p];
    }

    // ------------------------------------------------------------------ loss

    private static int label(double[] L, int i, int k) {
        double v = L[i];
        if (v != Math.rint(v) || v < 0 || v >= k) {
            throw new IllegalArgumentException("cross-entropy label " + i + " is " + v + " but must be a class index in [0, " + k + ")");
        }
        return (int) v;
    }

    /** loss_i = (1-s) * (-log p[i, y_i]) + s/k * sum_j (-log p[i, j]), with log p = logit - logsumexp; mean over i. */
    @Override
    public double crossEntropyForward(Tensor logits, Tensor labels, double labelSmoothing, Tensor probs) {
        double[] Z = data(logits), L = data(labels), P = data(probs);
        int n = logits.dim(0), k = logits.dim(1);
        double total = 0;
        for (int i = 0; i < n; i++) {
            int y = label(L, i, k);
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) max = Math.max(max, Z[i * k + j]);
            double se = 0;
            for (int j = 0; j < k; j++) se += Math.exp(Z[i * k + j] - max);
            double lse = max + Math.log(se);
            double sumNegLogP = 0;
            for (int j = 0; j < k; j++) {
                double logp = Z[i * k + j] - lse;
                P[i * k + j] = Math.exp(logp);
                sumNegLogP -= logp;
            }
            double nll = lse - Z[i * k + y];
            total += (1 - labelSmoothing) * nll + labelSmoothing / k * sumNegLogP;
        }
        return total / n;
    }

    @Override
    public void crossEntropyBackward(Tensor probs, Tensor labels, double labelSmoothing, double gradScale, Tensor dlogits) {
        double[] P = data(probs), L = data(labels), D = data(dlogits);
        int n = probs.dim(0), k = probs.dim(1);
        for (int i = 0; i < n; i++) {
            int y = label(L, i, k);
            for (int j = 0; j < k; j++) {
                double target = (j == y ? 1 - labelSmoothing : 0.0) + labelSmoothing / k;
                D[i * k + j] = gradScale * (P[i * k + j] - target);
            }
        }
    }

    @Override
    public void softmax(Tensor logits, Tensor probs) {
        double[] Z = data(logits), P = data(probs);
        int n = logits.dim(0), k = logits.dim(1);
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) max = Math.max(max, Z[i * k + j]);
            double se = 0;
            for (int j = 0; j < k; j++) se += Math.exp(Z[i * k + j] - max);
            for (int j = 0; j < k; j++) P[i * k + j] = Math.exp(Z[i * k + j] - max) / se;
        }
    }

    // ------------------------------------------------------------------ randomness

    @Override
    public void dropoutMask(Tensor mask, double keepProb, long seed) {
        double[] M = data(mask);
        for (int i = 0; i < M.length; i++) M[i] = Rng.uniformAt(seed, i) < keepProb ? 1.0 / keepProb : 0.0;
    }

    // ------------------------------------------------------------------ optimizers

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuffer, double lr, double momentum,
                          double dampening, boolean nesterov, double weightDecay, boolean firstStep) {
        double[] P = data(param), G = data(grad);
        double[] BUF = momentumBuffer == null ? null : data(momentumBuffer);
        for (int i = 0; i < P.length; i++) {
            double g = G[i] + weightDecay * P[i];
            if (momentum != 0) {
                BUF[i] = firstStep ? g : momentum * BUF[i] + (1 - dampening) * g;
                g = nesterov ? g + momentum * BUF[i] : BUF[i];
            }
            P[i] -= lr * g;
        }
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1,
                           double beta2, double eps, double weightDecay, boolean decoupledWeightDecay, long step) {
        double[] P = data(param), G = data(grad), M = data(expAvg), V = data(expAvgSq);
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        for (int i = 0; i < P.length; i++) {
            double g = G[i];
            if (decoupledWeightDecay) P[i] *= 1 - lr * weightDecay;
            else g += weightDecay * P[i];
            M[i] = beta1 * M[i] + (1 - beta1) * g;
            V[i] = beta2 * V[i] + (1 - beta2) * g * g;
            P[i] -= lr / bc1 * M[i] / (Math.sqrt(V[i]) / Math.sqrt(bc2) + eps);
        }
    }
}
