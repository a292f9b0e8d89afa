package org.resnet4j.core.cpu;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.PoolGeometry;
import org.resnet4j.core.Tensor;

/**
 * Pooling against float64 loops written from PyTorch's definitions. Max pooling is exact (a copy);
 * averages are float32 sums of at most 9 terms: 1e-6 normwise.
 */
class PoolTest {
    private static final CpuBackend CPU = CpuBackend.get();

    /**
     * PyTorch's max-pool rule, written out: the index in x of the window's first maximum in scan order, padding
     * skipped, the first NaN winning over everything.
     */
    private static int argmax(float[] x, int plane, PoolGeometry g, int oy, int ox) {
        int best = -1;
        for (int ky = 0; ky < g.kH(); ky++) {
            for (int kx = 0; kx < g.kW(); kx++) {
                int iy = oy * g.strideH() - g.padH() + ky * g.dilationH(), ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                int i = plane + iy * g.w() + ix;
                if (Float.isNaN(x[i])) return i;
                if (best < 0 || x[i] > x[best]) best = i;
            }
        }
        return best;
    }

    @Test
    void maxPoolForwardAndBackward() {
        for (PoolGeometry g : new PoolGeometry[] {
            PoolGeometry.max(2, 3, 9, 11, 3, 2, 1, false), PoolGeometry.max(1, 2, 8, 7, 2, 2, 0, true),
            new PoolGeometry(1, 2, 9, 9, 3, 2, 2, 1, 1, 1, 2, 1, false, true, 0)}) {
            float[] x = Ref.random(81, g.n() * g.c() * g.h() * g.w()), dy = Ref.random(82, g.n() * g.c() * g.outH() * g.outW());
            int oh = g.outH(), ow = g.outW(), hw = g.h() * g.w();
            double[] y = new double[dy.length], dx = new double[x.length];
            for (int pl = 0; pl < g.n() * g.c(); pl++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
                int best = argmax(x, pl * hw, g, oy, ox);
                int o = (pl * oh + oy) * ow + ox;
                y[o] = x[best];
                dx[best] += dy[o];
            }
            Tensor ty = CPU.zeros(g.outputShape()), tdx = CPU.zeros(g.inputShape());
            CPU.maxPool2dForward(CPU.fromFloats(x, g.inputShape()), g, ty);
            CPU.maxPool2dBackward(CPU.fromFloats(dy, g.outputShape()), CPU.fromFloats(x, g.inputShape()), g, tdx);
            Ref.assertClose(ty.toFloats(), y, 0, "max pool " + g);
            Ref.assertClose(tdx.toFloats(), dx, 1e-6, "max pool backward " + g);
        }
    }

    /**
     * Ties and NaN, inside the plane and at its padded edges: the first maximum in scan order wins, and the first
     * NaN wins over everything (PyTorch's rule); the backward routes each gradient to that element.
     */
    @Test
    void maxPoolTiesAndNaNFollowPyTorch() {
        for (PoolGeometry g : new PoolGeometry[] {PoolGeometry.max(2, 2, 12, 13, 3, 2, 1, false),
            new PoolGeometry(1, 2, 11, 11, 3, 2, 1, 1, 1, 1, 2, 1, false, true, 0),
            // rows wide enough for the vector path (8 windows a step) and its scalar tail, at stride 2 and 1, a
            // 2x2 kernel in ceil mode, and (18x18) a last vector whose stride-2 read would pass the array's end
            PoolGeometry.max(2, 3, 40, 37, 3, 2, 1, false), PoolGeometry.max(1, 2, 20, 30, 3, 1, 1, false),
            PoolGeometry.max(1, 2, 33, 34, 2, 2, 0, true), PoolGeometry.max(1, 2, 18, 18, 3, 2, 1, false)}) {
            int hw = g.h() * g.w(), oh = g.outH(), ow = g.outW();
            float[] x = new float[g.n() * g.c() * hw];
            java.util.Random r = new java.util.Random(83);
            // many ties (-1..1), and NaNs with distinct payloads, so that the first one must be the one kept
            // (zeros of both signs: a -0 before a +0 in a window stays -0)
            for (int i = 0; i < x.length; i++) {
                int v = r.nextInt(3) - 1;
                x[i] = r.nextInt(12) == 0 ? Float.intBitsToFloat(0x7fc00000 | i) : v == 0 && r.nextBoolean() ? -0f : v;
            }
            x[5] = -0f; // a signed zero among zeros
            float[] dy = Ref.random(84, g.n() * g.c() * oh * ow);
            float[] y = new float[dy.length], dx = new float[x.length];
            for (int pl = 0; pl < g.n() * g.c(); pl++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
                int best = argmax(x, pl * hw, g, oy, ox);
                int o = (pl * oh + oy) * ow + ox;
                y[o] = x[best];
                dx[best] += dy[o];
            }
            Tensor ty = CPU.zeros(g.outputShape()), tdx = CPU.zeros(g.inputShape());
            CPU.maxPool2dForward(CPU.fromFloats(x, g.inputShape()), g, ty);
            CPU.maxPool2dBackward(CPU.fromFloats(dy, g.outputShape()), CPU.fromFloats(x, g.inputShape()), g, tdx);
            float[] gotY = ty.toFloats(), gotDx = tdx.toFloats();
            for (int i = 0; i < y.length; i++) {
                org.assertj.core.api.Assertions.assertThat(Float.floatToRawIntBits(gotY[i])).as("y[%d] of %s", i, g)
                        .isEqualTo(Float.floatToRawIntBits(y[i]));
            }
            for (int i = 0; i < dx.length; i++) {
                org.assertj.core.api.Assertions.assertThat(gotDx[i]).as("dx[%d] of %s", i, g).isEqualTo(dx[i]);
            }
            // the scalar kernels' window argmax (the vector path's twin) routes the same way
            float[] scalarDx = new float[x.length];
            Pool.maxBackward(new Kernels(), dy, x, g, scalarDx);
            for (int i = 0; i < dx.length; i++) {
                org.assertj.core.api.Assertions.assertThat(scalarDx[i]).as("scalar dx[%d] of %s", i, g).isEqualTo(dx[i]);
            }
        }
    }

    @Test
    void avgPoolForwardAndBackward() {
        for (PoolGeometry g : new PoolGeometry[] {
            PoolGeometry.avg(2, 3, 9, 11, 3, 2, 1, false, true), PoolGeometry.avg(1, 2, 8, 7, 3, 2, 1, true, false),
            new PoolGeometry(1, 2, 6, 6, 2, 2, 2, 2, 0, 0, 1, 1, false, true, 3),
            // one-pixel windows (option A's x[:, :, ::2, ::2]) take a strided copy: odd sizes, ceil mode, unequal
            // strides and a divisor override
            PoolGeometry.avg(2, 3, 9, 11, 1, 2, 0, false, true), PoolGeometry.avg(1, 2, 7, 9, 1, 2, 0, true, false),
            new PoolGeometry(1, 2, 6, 7, 1, 1, 3, 2, 0, 0, 1, 1, false, true, 3)}) {
            float[] x = Ref.random(83, g.n() * g.c() * g.h() * g.w()), dy = Ref.random(84, g.n() * g.c() * g.outH() * g.outW());
            int oh = g.outH(), ow = g.outW(), hw = g.h() * g.w();
            double[] y = new double[dy.length], dx = new double[x.length];
            for (int pl = 0; pl < g.n() * g.c(); pl++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
                int hs = oy * g.strideH() - g.padH(), ws = ox * g.strideW() - g.padW();
                int he = Math.min(hs + g.kH(), g.h() + g.padH()), we = Math.min(ws + g.kW(), g.w() + g.padW());
                int div = g.divisorOverride() > 0 ? g.divisorOverride() : g.countIncludePad() ? (he - hs) * (we - ws)
                        : (Math.min(he, g.h()) - Math.max(hs, 0)) * (Math.min(we, g.w()) - Math.max(ws, 0));
                int o = (pl * oh + oy) * ow + ox;
                double s = 0;
                for (int iy = Math.max(hs, 0); iy < Math.min(he, g.h()); iy++) {
                    for (int ix = Math.max(ws, 0); ix < Math.min(we, g.w()); ix++) {
                        s += x[pl * hw + iy * g.w() + ix];
                        dx[pl * hw + iy * g.w() + ix] += (double) dy[o] / div;
                    }
                }
                y[o] = s / div;
            }
            Tensor ty = CPU.zeros(g.outputShape()), tdx = CPU.zeros(g.inputShape());
            CPU.avgPool2dForward(CPU.fromFloats(x, g.inputShape()), g, ty);
            CPU.avgPool2dBackward(CPU.fromFloats(dy, g.outputShape()), g, tdx);
            Ref.assertClose(ty.toFloats(), y, 1e-6, "avg pool " + g);
            Ref.assertClose(tdx.toFloats(), dx, 1e-6, "avg pool backward " + g);
        }
    }

    @Test
    void adaptiveAvgPool() {
        int n = 2, c = 3, h = 7, w = 5, oh = 3, ow = 2;
        float[] x = Ref.random(85, n * c * h * w), dy = Ref.random(86, n * c * oh * ow);
        double[] y = new double[dy.length], dx = new double[x.length];
        for (int pl = 0; pl < n * c; pl++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) {
            int hs = Math.floorDiv(i * h, oh), he = -Math.floorDiv(-(i + 1) * h, oh);
            int ws = Math.floorDiv(j * w, ow), we = -Math.floorDiv(-(j + 1) * w, ow);
            int cnt = (he - hs) * (we - ws), o = (pl * oh + i) * ow + j;
            for (int a = hs; a < he; a++) for (int b = ws; b < we; b++) {
                y[o] += x[(pl * h + a) * w + b] / (double) cnt;
                dx[(pl * h + a) * w + b] += dy[o] / (double) cnt;
            }
        }
        Tensor ty = CPU.zeros(n, c, oh, ow), tdx = CPU.zeros(n, c, h, w);
        CPU.adaptiveAvgPool2dForward(CPU.fromFloats(x, n, c, h, w), ty);
        CPU.adaptiveAvgPool2dBackward(CPU.fromFloats(dy, n, c, oh, ow), tdx);
        Ref.assertClose(ty.toFloats(), y, 1e-6, "adaptive avg pool");
        Ref.assertClose(tdx.toFloats(), dx, 1e-6, "adaptive avg pool backward");
    }
}
