package org.resnet4j.core.cpu;

import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;

/** Convolution by im2col + GEMM, per image and per group. */
final class Conv {
    private Conv() {}

    /** col (cInPerGroup*kH*kW, oh*ow) for image i, group gr. */
    static void im2col(float[] x, int image, int group, ConvGeometry g, float[] col) {
        int cpg = g.cInPerGroup(), oh = g.outH(), ow = g.outW();
        int row = 0;
        for (int c = 0; c < cpg; c++) {
            int plane = ((image * g.cIn()) + group * cpg + c) * g.h() * g.w();
            for (int ky = 0; ky < g.kH(); ky++) {
                for (int kx = 0; kx < g.kW(); kx++, row++) {
                    int base = row * oh * ow;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                            col[base + oy * ow + ox] = (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) ? x[plane + iy * g.w() + ix] : 0f;
                        }
                    }
                }
            }
        }
    }

    /** dx += col2im(col) for image i, group gr. */
    static void col2im(float[] col, int image, int group, ConvGeometry g, float[] dx) {
        int cpg = g.cInPerGroup(), oh = g.outH(), ow = g.outW();
        int row = 0;
        for (int c = 0; c < cpg; c++) {
            int plane = ((image * g.cIn()) + group * cpg + c) * g.h() * g.w();
            for (int ky = 0; ky < g.kH(); ky++) {
                for (int kx = 0; kx < g.kW(); kx++, row++) {
                    int base = row * oh * ow;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                        if (iy < 0 || iy >= g.h()) continue;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                            if (ix >= 0 && ix < g.w()) dx[plane + iy * g.w() + ix] += col[base + oy * ow + ox];
                        }
                    }
                }
            }
        }
    }

    static void forward(float[] x, float[] w, float[] bias, ConvGeometry g, float[] y) {
        int groups = g.groups(), copg = g.cOutPerGroup(), kk = g.cInPerGroup() * g.kH() * g.kW();
        int ohw = g.outH() * g.outW();
        Parallel.forEach(g.n(), image -> {
            float[] col = new float[kk * ohw];
            for (int gr = 0; gr < groups; gr++) {
                im2col(x, image, gr, g, col);
                int offY = (image * g.cOut() + gr * copg) * ohw;
                Gemm.sgemm(false, false, copg, ohw, kk, 1f, w, gr * copg * kk, kk, col, 0, ohw, 0f, y, offY, ohw);
            }
            if (bias != null) {
                for (int co = 0; co < g.cOut(); co++) {
                    int base = (image * g.cOut() + co) * ohw;
                    for (int j = 0; j < ohw; j++) y[base + j] += bias[co];
                }
            }
        });
    }

    static void backwardInput(float[] dy, float[] w, ConvGeometry g, float[] dx) {
        int groups = g.groups(), copg = g.cOutPerGroup(), kk = g.cInPerGroup() * g.kH() * g.kW();
        int ohw = g.outH() * g.outW(), chw = g.cIn() * g.h() * g.w();
        Parallel.forEach(g.n(), image -> {
            java.util.Arrays.fill(dx, image * chw, (image + 1) * chw, 0f);
            float[] col = new float[kk * ohw];
            for (int gr = 0; gr < groups; gr++) {
                int offY = (image * g.cOut() + gr * copg) * ohw;
                // col (kk, ohw) = W_g^T (kk, copg) * dy_g (copg, ohw)
                Gemm.sgemm(true, false, kk, ohw, copg, 1f, w, gr * copg * kk, kk, dy, offY, ohw, 0f, col, 0, ohw);
                col2im(col, image, gr, g, dx);
            }
        });
    }

    static void backwardWeight(float[] dy, float[] x, ConvGeometry g, float[] dw) {
        int groups = g.groups(), copg = g.cOutPerGroup(), kk = g.cInPerGroup() * g.kH() * g.kW();
        int ohw = g.outH() * g.outW();
        // images are summed in order 0..n-1 so the result does not depend on the thread count
        float[] col = new float[kk * ohw];
        for (int image = 0; image < g.n(); image++) {
            for (int gr = 0; gr < groups; gr++) {
                im2col(x, image, gr, g, col);
                int offY = (image * g.cOut() + gr * copg) * ohw;
                // dW_g (copg, kk) += dy_g (copg, ohw) * col^T (ohw, kk)
                Gemm.sgemm(false, true, copg, kk, ohw, 1f, dy, offY, ohw, col, 0, ohw, 1f, dw, gr * copg * kk, kk);
            }
        }
    }
}
