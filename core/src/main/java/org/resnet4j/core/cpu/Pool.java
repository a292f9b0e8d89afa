package org.resnet4j.core.cpu;

import org.resnet4j.core.Parallel;
import org.resnet4j.core.PoolGeometry;

/** Pooling kernels, one task per (image, channel) plane. */
final class Pool {
    private Pool() {}

    /** [lo, hi): the output columns whose windows lie inside the plane: ox * sw - padW >= 0 and its last column < w. */
    private static int[] insideColumns(PoolGeometry g) {
        int ow = g.outW(), sw = g.strideW();
        int lo = Math.min(ow, (g.padW() + sw - 1) / sw);
        int hi = Math.max(lo, Math.min(ow, Math.floorDiv(g.w() - 1 - (g.kW() - 1) * g.dilationW() + g.padW(), sw) + 1));
        return new int[] {lo, hi};
    }

    static void maxForward(Kernels kr, float[] x, PoolGeometry g, float[] y) {
        int oh = g.outH(), ow = g.outW(), hw = g.h() * g.w(), w = g.w(), sw = g.strideW();
        int[] inside = insideColumns(g);
        int lo = inside[0], hi = inside[1];
        Parallel.forEach(g.n() * g.c(), plane -> {
            int in = plane * hw, out = plane * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int iy0 = oy * g.strideH() - g.padH(), row = out + oy * ow;
                boolean rowsInside = iy0 >= 0 && iy0 + (g.kH() - 1) * g.dilationH() < g.h();
                int from = rowsInside ? lo : ow, to = rowsInside ? hi : ow;
                for (int ox = 0; ox < from; ox++) y[row + ox] = x[in + argmax(x, in, g, oy, ox)];
                if (to > from) {
                    // windows inside: the maxima only, lanes of outputs at a time (the backward finds the argmax again)
                    kr.maxWindows(x, in + iy0 * w + from * sw - g.padW(), sw, g.kH(), g.kW(), g.dilationH() * w,
                            g.dilationW(), y, row + from, to - from);
                }
                for (int ox = Math.max(from, to); ox < ow; ox++) y[row + ox] = x[in + argmax(x, in, g, oy, ox)];
            }
        });
    }

    /**
     * Offset within the plane of the window's maximum: the first one wins, and the first NaN wins over
     * everything, as in PyTorch. Windows inside the plane take {@link #argmaxInside}; the others, and windows
     * holding a NaN, the element-by-element {@link #argmaxAnywhere}.
     */
    static int argmax(float[] x, int in, PoolGeometry g, int oy, int ox) {
        int iy0 = oy * g.strideH() - g.padH(), ix0 = ox * g.strideW() - g.padW();
        if (iy0 >= 0 && ix0 >= 0 && iy0 + (g.kH() - 1) * g.dilationH() < g.h() && ix0 + (g.kW() - 1) * g.dilationW() < g.w()) {
            int at = argmaxInside(x, in + iy0 * g.w() + ix0, g.kH(), g.kW(), g.dilationH() * g.w(), g.dilationW());
            if (at >= 0) return at - in;
        }
        return argmaxAnywhere(x, in, g, oy, ox);
    }

    /**
     * The array offset of the first maximum of a window that lies inside the plane (top-left at x[at], rows
     * rowStep apart, columns colStep apart), or -1 when it holds a NaN. Without early exits or bounds tests the
     * comparisons compile to conditional moves: max search on real data is a coin toss for a branch predictor.
     */
    private static int argmaxInside(float[] x, int at, int kH, int kW, int rowStep, int colStep) {
        int best = at;
        float bestV = x[at];
        boolean nan = bestV != bestV;
        for (int ky = 0, row = at; ky < kH; ky++, row += rowStep) {
            for (int kx = ky == 0 ? 1 : 0; kx < kW; kx++) {
                int i = row + kx * colStep;
                float v = x[i];
                boolean greater = v > bestV;
                best = greater ? i : best;
                bestV = greater ? v : bestV;
                nan |= v != v;
            }
        }
        return nan ? -1 : best;
    }

    /** {@link #argmax} for any window, element by element (padding skipped). */
    static int argmaxAnywhere(float[] x, int in, PoolGeometry g, int oy, int ox) {
        int best = -1;
        float bestV = Float.NEGATIVE_INFINITY;
        for (int ky = 0; ky < g.kH(); ky++) {
            int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
            if (iy < 0 || iy >= g.h()) continue;
            for (int kx = 0; kx < g.kW(); kx++) {
                int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                if (ix < 0 || ix >= g.w()) continue;
                float v = x[in + iy * g.w() + ix];
                if (best < 0 || v > bestV || Float.isNaN(v)) {
                    best = iy * g.w() + ix;
                    bestV = v;
                    if (Float.isNaN(v)) return best;
                }
            }
        }
        return best;
    }

    // dx[argmax of each window] += dy, windows in order (overlapping windows may share their maximum)
    static void maxBackward(Kernels kr, float[] dy, float[] x, PoolGeometry g, float[] dx) {
        int oh = g.outH(), ow = g.outW(), hw = g.h() * g.w(), w = g.w(), sw = g.strideW();
        int[] inside = insideColumns(g);
        int lo = inside[0], hi = inside[1];
        Parallel.forEach(g.n() * g.c(), plane -> {
            int in = plane * hw, out = plane * oh * ow;
            int[] at = new int[ow];
            java.util.Arrays.fill(dx, in, in + hw, 0f);
            for (int oy = 0; oy < oh; oy++) {
                int iy0 = oy * g.strideH() - g.padH(), row = out + oy * ow;
                boolean rowsInside = iy0 >= 0 && iy0 + (g.kH() - 1) * g.dilationH() < g.h();
                int from = rowsInside ? lo : ow, to = rowsInside ? hi : ow;
                // the argmax of each window (as maxForward: the inside ones lanes at a time), then the adds in order
                for (int ox = 0; ox < from; ox++) at[ox] = in + argmax(x, in, g, oy, ox);
                if (to > from) {
                    kr.argmaxWindows(x, in + iy0 * w + from * sw - g.padW(), sw, g.kH(), g.kW(), g.dilationH() * w,
                            g.dilationW(), at, from, to - from);
                }
                for (int ox = Math.max(from, to); ox < ow; ox++) at[ox] = in + argmax(x, in, g, oy, ox);
                for (int ox = 0; ox < ow; ox++) dx[at[ox]] += dy[row + ox];
            }
        });
    }

    private static int divisor(PoolGeometry g, int hs, int ws) {
        if (g.divisorOverride() > 0) return g.divisorOverride();
        int he = Math.min(hs + g.kH(), g.h() + g.padH()), we = Math.min(ws + g.kW(), g.w() + g.padW());
        int poolSize = (he - hs) * (we - ws);
        if (g.countIncludePad()) return poolSize;
        return (Math.min(he, g.h()) - Math.max(hs, 0)) * (Math.min(we, g.w()) - Math.max(ws, 0));
    }

    /**
     * A 1x1 window without padding (option A shortcuts' subsampling, x[:, :, ::s, ::s]): every window is one
     * pixel, so the per-window bounds and divisor of the general loop reduce to a strided copy (2% of a ResNet-20
     * inference in a profile).
     */
    private static boolean singlePixel(PoolGeometry g) {
        return g.kH() == 1 && g.kW() == 1 && g.padH() == 0 && g.padW() == 0;
    }

    static void avgForward(float[] x, PoolGeometry g, float[] y) {
        int oh = g.outH(), ow = g.outW(), hw = g.h() * g.w();
        if (singlePixel(g)) {
            int d = divisor(g, 0, 0), sh = g.strideH(), sw = g.strideW(), w = g.w();
            Parallel.forEach(g.n() * g.c(), plane -> {
                int out = plane * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    // 0f + v as the general loop's sum: -0 becomes +0, as in PyTorch's
                    for (int ox = 0, src = plane * hw + oy * sh * w; ox < ow; ox++, src += sw) y[out++] = (0f + x[src]) / d;
                }
            });
            return;
        }
        Parallel.forEach(g.n() * g.c(), plane -> {
            int in = plane * hw, out = plane * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int hs = oy * g.strideH() - g.padH();
                for (int ox = 0; ox < ow; ox++) {
                    int ws = ox * g.strideW() - g.padW();
                    float s = 0f;
                    for (int iy = Math.max(hs, 0); iy < Math.min(hs + g.kH(), g.h()); iy++) {
                        for (int ix = Math.max(ws, 0); ix < Math.min(ws + g.kW(), g.w()); ix++) s += x[in + iy * g.w() + ix];
                    }
                    y[out + oy * ow + ox] = s / divisor(g, hs, ws);
                }
            }
        });
    }

    static void avgBackward(float[] dy, PoolGeometry g, float[] dx) {
        int oh = g.outH(), ow = g.outW(), hw = g.h() * g.w();
        if (singlePixel(g)) {
            int d = divisor(g, 0, 0), sh = g.strideH(), sw = g.strideW(), w = g.w();
            Parallel.forEach(g.n() * g.c(), plane -> {
                int in = plane * hw, out = plane * oh * ow;
                java.util.Arrays.fill(dx, in, in + hw, 0f);
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0, dst = in + oy * sh * w; ox < ow; ox++, dst += sw) dx[dst] = 0f + dy[out++] / d;
                }
            });
            return;
        }
        Parallel.forEach(g.n() * g.c(), plane -> {
            int in = plane * hw, out = plane * oh * ow;
            java.util.Arrays.fill(dx, in, in + hw, 0f);
            for (int oy = 0; oy < oh; oy++) {
                int hs = oy * g.strideH() - g.padH();
                for (int ox = 0; ox < ow; ox++) {
                    int ws = ox * g.strideW() - g.padW();
                    float d = dy[out + oy * ow + ox] / divisor(g, hs, ws);
                    for (int iy = Math.max(hs, 0); iy < Math.min(hs + g.kH(), g.h()); iy++) {
                        for (int ix = Math.max(ws, 0); ix < Math.min(ws + g.kW(), g.w()); ix++) dx[in + iy * g.w() + ix] += d;
                    }
                }
            }
        });
    }

    static void adaptiveAvgForward(float[] x, int planes, int h, int w, float[] y, int oh, int ow) {
        Parallel.forEach(planes, plane -> {
            int in = plane * h * w, out = plane * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int hs = oy * h / oh, he = ((oy + 1) * h + oh - 1) / oh;
                for (int ox = 0; ox < ow; ox++) {
                    int ws = ox * w / ow, we = ((ox + 1) * w + ow - 1) / ow;
                    float s = 0f;
                    for (int iy = hs; iy < he; iy++) for (int ix = ws; ix < we; ix++) s += x[in + iy * w + ix];
                    y[out + oy * ow + ox] = s / ((he - hs) * (we - ws));
                }
            }
        });
    }

    static void adaptiveAvgBackward(float[] dy, int planes, int h, int w, float[] dx, int oh, int ow) {
        Parallel.forEach(planes, plane -> {
            int in = plane * h * w, out = plane * oh * ow;
            java.util.Arrays.fill(dx, in, in + h * w, 0f);
            for (int oy = 0; oy < oh; oy++) {
                int hs = oy * h / oh, he = ((oy + 1) * h + oh - 1) / oh;
                for (int ox = 0; ox < ow; ox++) {
                    int ws = ox * w / ow, we = ((ox + 1) * w + ow - 1) / ow;
                    float d = dy[out + oy * ow + ox] / ((he - hs) * (we - ws));
                    for (int iy = hs; iy < he; iy++) for (int ix = ws; ix < we; ix++) dx[in + iy * w + ix] += d;
                }
            }
        });
    }
}
