package org.resnet4j.core.cpu;

import org.resnet4j.core.ConvGeometry;

/** Direct convolution in float64, straight from the definition (PyTorch's cross-correlation). */
final class ConvRef {
    private ConvRef() {}

    /** Input index of (n, c, iy, ix), or -1 in the padding. */
    private static int in(ConvGeometry g, int n, int c, int iy, int ix) {
        if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) return -1;
        return ((n * g.cIn() + c) * g.h() + iy) * g.w() + ix;
    }

    static double[] forward(float[] x, float[] w, float[] bias, ConvGeometry g) {
        int oh = g.outH(), ow = g.outW(), cpg = g.cInPerGroup(), copg = g.cOutPerGroup();
        double[] y = new double[g.n() * g.cOut() * oh * ow];
        for (int n = 0; n < g.n(); n++) for (int co = 0; co < g.cOut(); co++) {
            int gr = co / copg;
            for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
                double s = bias == null ? 0 : bias[co];
                for (int ci = 0; ci < cpg; ci++) for (int ky = 0; ky < g.kH(); ky++) for (int kx = 0; kx < g.kW(); kx++) {
                    int idx = in(g, n, gr * cpg + ci, oy * g.strideH() - g.padH() + ky * g.dilationH(),
                            ox * g.strideW() - g.padW() + kx * g.dilationW());
                    if (idx >= 0) s += (double) x[idx] * w[((co * cpg + ci) * g.kH() + ky) * g.kW() + kx];
                }
                y[((n * g.cOut() + co) * oh + oy) * ow + ox] = s;
            }
        }
        return y;
    }

    static double[] backwardInput(float[] dy, float[] w, ConvGeometry g) {
        int oh = g.outH(), ow = g.outW(), cpg = g.cInPerGroup(), copg = g.cOutPerGroup();
        double[] dx = new double[g.n() * g.cIn() * g.h() * g.w()];
        for (int n = 0; n < g.n(); n++) for (int co = 0; co < g.cOut(); co++) {
            int gr = co / copg;
            for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
                double d = dy[((n * g.cOut() + co) * oh + oy) * ow + ox];
                for (int ci = 0; ci < cpg; ci++) for (int ky = 0; ky < g.kH(); ky++) for (int kx = 0; kx < g.kW(); kx++) {
                    int idx = in(g, n, gr * cpg + ci, oy * g.strideH() - g.padH() + ky * g.dilationH(),
                            ox * g.strideW() - g.padW() + kx * g.dilationW());
                    if (idx >= 0) dx[idx] += d * w[((co * cpg + ci) * g.kH() + ky) * g.kW() + kx];
                }
            }
        }
        return dx;
    }

    static double[] backwardWeight(float[] dy, float[] x, ConvGeometry g) {
        int oh = g.outH(), ow = g.outW(), cpg = g.cInPerGroup(), copg = g.cOutPerGroup();
        double[] dw = new double[g.cOut() * cpg * g.kH() * g.kW()];
        for (int n = 0; n < g.n(); n++) for (int co = 0; co < g.cOut(); co++) {
            int gr = co / copg;
            for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
                double d = dy[((n * g.cOut() + co) * oh + oy) * ow + ox];
                for (int ci = 0; ci < cpg; ci++) for (int ky = 0; ky < g.kH(); ky++) for (int kx = 0; kx < g.kW(); kx++) {
                    int idx = in(g, n, gr * cpg + ci, oy * g.strideH() - g.padH() + ky * g.dilationH(),
                            ox * g.strideW() - g.padW() + kx * g.dilationW());
                    if (idx >= 0) dw[((co * cpg + ci) * g.kH() + ky) * g.kW() + kx] += d * x[idx];
                }
            }
        }
        return dw;
    }
}
