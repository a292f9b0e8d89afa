package org.resnet4j.ops.nn;

import static org.assertj.core.api.Assertions.fail;

import java.util.Random;
import java.util.function.Supplier;

/**
 * Independent float64 references for the layer tests: plain loops written from PyTorch's formulas,
 * sharing no code with the backends, plus central finite differences on them.
 */
final class Ref {
    private Ref() {}

    static float[] randomFloats(long seed, int n) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /**
     * d(sum(dy * f()))/dv by central differences in double, perturbing v in place. The references are
     * smooth (or piecewise linear away from ties) in double, so h = 1e-6 gives about 1e-9 accuracy.
     */
    static double[] fd(double[] v, Supplier<double[]> f, double[] dy) {
        double h = 1e-6;
        double[] g = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double keep = v[i];
            v[i] = keep + h;
            double plus = dot(dy, f.get());
            v[i] = keep - h;
            double minus = dot(dy, f.get());
            v[i] = keep;
            g[i] = (plus - minus) / (2 * h);
        }
        return g;
    }

    /** |a - b| <= atol + rtol * |b| element-wise; on failure names the worst element and both values. */
    static void assertClose(String what, float[] actual, double[] expected, double atol, double rtol) {
        if (actual.length != expected.length) fail(what + ": length " + actual.length + " != " + expected.length);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < actual.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            double excess = err - (atol + rtol * Math.abs(expected[i]));
            if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Double.isNaN(excess))) {
                worst = i;
                worstExcess = excess;
            }
        }
        if (worst >= 0) {
            fail(what + ": element " + worst + " is " + actual[worst] + " but the reference is " + expected[worst]
                    + " (atol " + atol + ", rtol " + rtol + ")");
        }
    }

    // ------------------------------------------------------------------ forward references

    static int convOut(int in, int k, int s, int p, int d) {
        return (in + 2 * p - d * (k - 1) - 1) / s + 1;
    }

    /** torch.nn.functional.conv2d, x (n, c, h, w), w (o, c/g, kh, kw), b (o) or null. */
    static double[] conv2d(double[] x, double[] w, double[] b, int n, int c, int h, int wd, int o, int kh, int kw,
                           int s, int p, int d, int groups) {
        // stride, padding and dilation are the same along both axes; the kernel may be rectangular
        int oh = convOut(h, kh, s, p, d), ow = convOut(wd, kw, s, p, d);
        int cg = c / groups, og = o / groups;
        double[] y = new double[n * o * oh * ow];
        for (int in = 0; in < n; in++)
            for (int oc = 0; oc < o; oc++) {
                int g = oc / og;
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++) {
                        double acc = b == null ? 0 : b[oc];
                        for (int ci = 0; ci < cg; ci++)
                            for (int a = 0; a < kh; a++)
                                for (int e = 0; e < kw; e++) {
                                    int yy = i * s - p + a * d, xx = j * s - p + e * d;
                                    if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                                    acc += x[((in * c + g * cg + ci) * h + yy) * wd + xx] * w[((oc * cg + ci) * kh + a) * kw + e];
                                }
                        y[((in * o + oc) * oh + i) * ow + j] = acc;
                    }
            }
        return y;
    }

    static int poolOut(int in, int k, int s, int p, int d, boolean ceil) {
        int span = in + 2 * p - d * (k - 1) - 1;
        int out = (int) (ceil ? Math.ceil((double) span / s) : Math.floor((double) span / s)) + 1;
        if (ceil && (out - 1) * s >= in + p) out--; // PyTorch: the last window must start inside input or left padding
        return out;
    }

    static double[] maxPool(double[] x, int n, int c, int h, int w, int k, int s, int p, int d, boolean ceil) {
        int oh = poolOut(h, k, s, p, d, ceil), ow = poolOut(w, k, s, p, d, ceil);
        double[] y = new double[n * c * oh * ow];
        for (int pl = 0; pl < n * c; pl++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int a = 0; a < k; a++)
                        for (int e = 0; e < k; e++) {
                            int yy = i * s - p + a * d, xx = j * s - p + e * d;
                            if (yy >= 0 && yy < h && xx >= 0 && xx < w) m = Math.max(m, x[(pl * h + yy) * w + xx]);
                        }
                    y[(pl * oh + i) * ow + j] = m;
                }
        return y;
    }

    static double[] avgPool(double[] x, int n, int c, int h, int w, int k, int s, int p, boolean ceil,
                            boolean countIncludePad, int divisorOverride) {
        int oh = poolOut(h, k, s, p, 1, ceil), ow = poolOut(w, k, s, p, 1, ceil);
        double[] y = new double[n * c * oh * ow];
        for (int pl = 0; pl < n * c; pl++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    int y0 = i * s - p, x0 = j * s - p;
                    int y1 = Math.min(y0 + k, h + p), x1 = Math.min(x0 + k, w + p);
                    int padded = (y1 - y0) * (x1 - x0);
                    double sum = 0;
                    int inside = 0;
                    for (int yy = Math.max(y0, 0); yy < Math.min(y1, h); yy++)
                        for (int xx = Math.max(x0, 0); xx < Math.min(x1, w); xx++) {
                            sum += x[(pl * h + yy) * w + xx];
                            inside++;
                        }
                    int div = divisorOverride > 0 ? divisorOverride : countIncludePad ? padded : inside;
                    y[(pl * oh + i) * ow + j] = sum / div;
                }
        return y;
    }

    static double[] adaptiveAvgPool(double[] x, int n, int c, int h, int w, int oh, int ow) {
        double[] y = new double[n * c * oh * ow];
        for (int pl = 0; pl < n * c; pl++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    int y0 = Math.floorDiv(i * h, oh), y1 = -Math.floorDiv(-(i + 1) * h, oh);
                    int x0 = Math.floorDiv(j * w, ow), x1 = -Math.floorDiv(-(j + 1) * w, ow);
                    double sum = 0;
                    for (int yy = y0; yy < y1; yy++) for (int xx = x0; xx < x1; xx++) sum += x[(pl * h + yy) * w + xx];
                    y[(pl * oh + i) * ow + j] = sum / ((y1 - y0) * (x1 - x0));
                }
        return y;
    }

    /** y (n, o) = x (n, i) W^T + b. */
    static double[] linear(double[] x, double[] w, double[] b, int n, int in, int out) {
        double[] y = new double[n * out];
        for (int r = 0; r < n; r++)
            for (int o = 0; o < out; o++) {
                double acc = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) acc += x[r * in + i] * w[o * in + i];
                y[r * out + o] = acc;
            }
        return y;
    }

    /** Training-mode batch norm with biased variance; gamma/beta null for a non-affine layer. */
    static double[] batchNormTrain(double[] x, double[] gamma, double[] beta, int n, int c, int hw, double eps) {
        double[] y = new double[x.length];
        for (int ch = 0; ch < c; ch++) {
            double[] st = channelStats(x, n, c, hw, ch);
            double inv = 1 / Math.sqrt(st[1] + eps);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < hw; j++) {
                    int idx = (i * c + ch) * hw + j;
                    y[idx] = (x[idx] - st[0]) * inv * (gamma == null ? 1 : gamma[ch]) + (beta == null ? 0 : beta[ch]);
                }
        }
        return y;
    }

    static double[] batchNormEval(double[] x, double[] mean, double[] var, double[] gamma, double[] beta, int n, int c, int hw, double eps) {
        double[] y = new double[x.length];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int j = 0; j < hw; j++) {
                    int idx = (i * c + ch) * hw + j;
                    y[idx] = (x[idx] - mean[ch]) / Math.sqrt(var[ch] + eps) * gamma[ch] + beta[ch];
                }
        return y;
    }

    /** {mean, biased variance} of one channel over (n, h, w). */
    static double[] channelStats(double[] x, int n, int c, int hw, int ch) {
        double s = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < hw; j++) s += x[(i * c + ch) * hw + j];
        double mean = s / (n * hw);
        double ss = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < hw; j++) {
                double d = x[(i * c + ch) * hw + j] - mean;
                ss += d * d;
            }
        return new double[] {mean, ss / (n * hw)};
    }

    /** Mean cross-entropy with label smoothing: target = (1-s) onehot + s/k. */
    static double crossEntropy(double[] z, int[] labels, int n, int k, double s) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) max = Math.max(max, z[i * k + j]);
            double se = 0;
            for (int j = 0; j < k; j++) se += Math.exp(z[i * k + j] - max);
            double lse = max + Math.log(se);
            for (int j = 0; j < k; j++) {
                double target = (j == labels[i] ? 1 - s : 0) + s / k;
                total -= target * (z[i * k + j] - lse);
            }
        }
        return total / n;
    }
}
