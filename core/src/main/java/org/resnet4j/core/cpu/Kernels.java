package org.resnet4j.core.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.resnet4j.core.ConvGeometry;

/**
 * The inner loops of the CPU backend, in plain scalar Java. This class is the fallback when the
 * Vector API is not resolved, and the base of {@code VectorKernels}, which overrides the hot loops.
 * It must never mention {@code jdk.incubator.vector}: it is loaded unconditionally.
 *
 * <p>Packed GEMM layout (BLIS): an A block (mc x kc) is stored as panels of {@link #mr()} rows, each
 * panel p-major ({@code panel[p * mr + r]}); a B block (kc x nc) as panels of {@link #nr()} columns
 * ({@code panel[p * nr + l]}). Rows and columns past the matrix edge are zero, so the micro-kernel
 * never needs a mask.
 *
 * <p>Every reduction here runs in a fixed order over its range; callers split work only at
 * boundaries that do not depend on the thread count.
 */
class Kernels {
    /** Unaligned layout: no per-access alignment check (the buffers are 64-byte aligned anyway). */
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    int mr() {
        return 4;
    }

    int nr() {
        return 8;
    }

    String describe() {
        return "scalar";
    }

    // ------------------------------------------------------------------ GEMM packing

    /** Packs op(A)[i0:i0+mc, p0:p0+kc]; A is (m, k) row-major, or (k, m) when trans. */
    void packA(float[] a, int off, int lda, boolean trans, int i0, int mc, int p0, int kc, MemorySegment dst) {
        int mr = mr(), size = roundUp(mc, mr) * kc;
        // the writes go to a heap staging array in order (plain stores), then one bulk copy to native memory
        float[] st = Workspace.get().stage(size);
        int[] rowStart = new int[mr];
        for (int ir = 0; ir < mc; ir += mr) {
            int panel = ir * kc, rows = Math.min(mr, mc - ir);
            if (!trans && rows == 6 && mr == 6) {
                // the common micro-kernel height, unrolled: six sequential read streams, one write stream
                int s0 = off + (i0 + ir) * lda + p0, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda;
                for (int p = 0, d = panel; p < kc; p++, d += 6) {
                    st[d] = a[s0 + p];
                    st[d + 1] = a[s1 + p];
                    st[d + 2] = a[s2 + p];
                    st[d + 3] = a[s3 + p];
                    st[d + 4] = a[s4 + p];
                    st[d + 5] = a[s5 + p];
                }
            } else if (!trans && rows == mr) {
                for (int r = 0; r < mr; r++) rowStart[r] = off + (i0 + ir + r) * lda + p0;
                for (int p = 0, d = panel; p < kc; p++) {
                    for (int r = 0; r < mr; r++, d++) st[d] = a[rowStart[r] + p];
                }
            } else if (trans && rows == mr) {
                for (int p = 0, d = panel, src = off + p0 * lda + i0 + ir; p < kc; p++, src += lda) {
                    for (int r = 0; r < mr; r++, d++) st[d] = a[src + r];
                }
            } else {
                for (int p = 0, d = panel; p < kc; p++) {
                    for (int r = 0; r < mr; r++, d++) {
                        int i = i0 + ir + r;
                        st[d] = r >= rows ? 0f : trans ? a[off + (p0 + p) * lda + i] : a[off + i * lda + p0 + p];
                    }
                }
            }
        }
        MemorySegment.copy(st, 0, dst, F, 0, size);
    }

    /**
     * Packs A[i0:i0+mc, p0:p0+kc] where K runs over a batch: A[i][p] = a[off + (p / len) * stride + i * lda
     * + p % len]. The weight gradient uses it to sum over every image's pixels in one product.
     */
    void packABatched(float[] a, int off, int lda, int len, int stride, int i0, int mc, int p0, int kc, MemorySegment dst) {
        int mr = mr(), size = roundUp(mc, mr) * kc;
        float[] st = Workspace.get().stage(size);
        for (int ir = 0; ir < mc; ir += mr) {
            int panel = ir * kc, rows = Math.min(mr, mc - ir);
            for (int r = 0; r < mr; r++) {
                int d = panel + r;
                if (r >= rows) {
                    for (int p = 0; p < kc; p++) st[d + p * mr] = 0f;
                    continue;
                }
                int p = 0;
                while (p < kc) {
                    int q = p0 + p, item = q / len, at = q % len, run = Math.min(kc - p, len - at);
                    int src = off + item * stride + (i0 + ir + r) * lda + at;
                    for (int t = 0; t < run; t++) st[d + (p + t) * mr] = a[src + t];
                    p += run;
                }
            }
        }
        MemorySegment.copy(st, 0, dst, F, 0, size);
    }

    /** Packs op(B)[p0:p0+kc, j0:j0+nc]; B is (k, n) row-major, or (n, k) when trans. */
    void packB(float[] b, int off, int ldb, boolean trans, int p0, int kc, int j0, int nc, MemorySegment dst) {
        int nr = nr();
        float[] st = trans ? Workspace.get().stage(nr * kc) : null;
        for (int jr = 0; jr < nc; jr += nr) {
            long panel = (long) jr * kc * 4;
            int cols = Math.min(nr, nc - jr);
            if (!trans) {
                for (int p = 0; p < kc; p++) {
                    long d = panel + 4L * p * nr;
                    int src = off + (p0 + p) * ldb + j0 + jr;
                    if (cols == nr) {
                        copyRow(b, src, dst, d);
                    } else {
                        for (int l = 0; l < cols; l++) dst.set(F, d + 4L * l, b[src + l]);
                        for (int l = cols; l < nr; l++) dst.set(F, d + 4L * l, 0f);
                    }
                }
            } else {
                for (int l = 0; l < nr; l++) {
                    if (l >= cols) {
                        for (int p = 0; p < kc; p++) st[p * nr + l] = 0f;
                    } else {
                        int src = off + (j0 + jr + l) * ldb + p0;
                        for (int p = 0; p < kc; p++) st[p * nr + l] = b[src + p];
                    }
                }
                MemorySegment.copy(st, 0, dst, F, panel, nr * kc);
            }
        }
    }

    /** Copies nr() floats from x[src] to dst at byte offset d. */
    void copyRow(float[] x, int src, MemorySegment dst, long d) {
        for (int l = 0, nr = nr(); l < nr; l++) dst.set(F, d + 4L * l, x[src + l]);
    }

    /** Copies x[src], x[src+2], ..., x[src+2*(nr()-1)] to dst at byte offset d. */
    void copyEvens(float[] x, int src, MemorySegment dst, long d) {
        for (int l = 0, nr = nr(); l < nr; l++) dst.set(F, d + 4L * l, x[src + 2 * l]);
    }

    /**
     * Packs rows [p0, p0+kc) and columns [j0, j0+nc) of the im2col matrix of one image and group
     * without building it: row p = (c, ky, kx) of the kernel, column j = (oy, ox) of the output,
     * value x[c][oy*sh - ph + ky*dh][ox*sw - pw + kx*dw] or 0 in the padding. xBase is the offset of
     * channel 0 of the group in x.
     */
    void packBIm2col(float[] x, int xBase, ConvGeometry g, int p0, int kc, int j0, int nc, MemorySegment dst) {
        final int nr = nr(), hIn = g.h(), wIn = g.w(), ow = g.outW(), kW = g.kW(), khw = g.kH() * kW;
        final int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW(), dh = g.dilationH(), dw = g.dilationW();
        final int plane = hIn * wIn;
        for (int jr = 0; jr < nc; jr += nr) {
            long panel = (long) jr * kc * 4;
            int jStart = j0 + jr, cols = Math.min(nr, nc - jr);
            int oyA = jStart / ow, oxA = jStart % ow;
            // the whole panel on one output row, at stride 1 or 2: one strided read per kernel position when inside
            boolean oneRun = cols == nr && sw <= 2 && oxA + nr <= ow;
            int ci = p0 / khw, rem = p0 % khw, ky = rem / kW, kx = rem % kW;
            for (int pp = 0; pp < kc; pp++) {
                long d = panel + 4L * pp * nr;
                int base = xBase + ci * plane;
                int iyA = oyA * sh - ph + ky * dh, ixA = oxA * sw - pw + kx * dw;
                if (oneRun && iyA >= 0 && iyA < hIn && ixA >= 0 && ixA + (nr - 1) * sw < wIn) {
                    if (sw == 1) copyRow(x, base + iyA * wIn + ixA, dst, d);
                    else copyEvens(x, base + iyA * wIn + ixA, dst, d);
                } else {
                    int l = 0, oy = oyA, ox = oxA;
                    while (l < cols) {
                        int len = Math.min(cols - l, ow - ox);
                        int iy = oy * sh - ph + ky * dh, ix0 = ox * sw - pw + kx * dw;
                        gatherRun(x, base, iy, ix0, sw, hIn, wIn, len, dst, d + 4L * l, 4L);
                        l += len;
                        oy++;
                        ox = 0;
                    }
                    for (; l < nr; l++) dst.set(F, d + 4L * l, 0f);
                }
                if (++kx == kW) {
                    kx = 0;
                    if (++ky == g.kH()) {
                        ky = 0;
                        ci++;
                    }
                }
            }
        }
    }

    /**
     * The im2col packing of a convolution from a zero-padded copy of the input (planes of hp x wp, channel 0 of
     * the group at xpBase): with the padding materialized every read is valid, and the source of output column
     * j = (oy, ox) for kernel position (c, ky, kx) is {@code xp[xpBase + c*hp*wp + (oy*sh + ky*dh)*wp + ox*sw +
     * kx*dw]}, so consecutive columns on one output row are floats sw apart.
     */
    void packBIm2colPadded(float[] xp, int xpBase, int hp, int wp, ConvGeometry g, int p0, int kc, int j0, int nc,
                           MemorySegment dst) {
        final int nr = nr(), ow = g.outW(), kW = g.kW(), khw = g.kH() * kW, dh = g.dilationH(), dw = g.dilationW();
        final int plane = hp * wp;
        int[] off = new int[nr];
        for (int jr = 0; jr < nc; jr += nr) {
            long panel = (long) jr * kc * 4;
            int cols = Math.min(nr, nc - jr);
            for (int l = 0; l < cols; l++) {
                int j = j0 + jr + l;
                off[l] = (j / ow) * g.strideH() * wp + (j % ow) * g.strideW();
            }
            int ci = p0 / khw, rem = p0 % khw, ky = rem / kW, kx = rem % kW;
            for (int pp = 0; pp < kc; pp++) {
                long d = panel + 4L * pp * nr;
                int shift = xpBase + ci * plane + ky * dh * wp + kx * dw;
                packPaddedRow(xp, shift, off, cols, dst, d);
                if (++kx == kW) {
                    kx = 0;
                    if (++ky == g.kH()) {
                        ky = 0;
                        ci++;
                    }
                }
            }
        }
    }

    /**
     * B panels of the several-image im2col product (Im2colImages): column j (j0 &lt;= j &lt; j0 + nc) of row p (p0 &lt;= p
     * &lt; p0 + kc, p = (ci, ky, kx)) is xp[offsets[j] + ci*plane + ky*dh*wp + kx*dw], where offsets[j] places the
     * column's image and output pixel in xp, the images' zero-padded planes (plane = hp*wp floats each). Panels of
     * nr columns, kc rows each, a last partial one filled with zeros.
     */
    void packBIm2colImages(float[] xp, int[] offsets, int plane, int wp, ConvGeometry g, int p0, int kc, int j0, int nc,
                           MemorySegment dst) {
        final int nr = nr(), kW = g.kW(), khw = g.kH() * kW, dh = g.dilationH(), dw = g.dilationW();
        for (int jr = 0; jr < nc; jr += nr) {
            int cols = Math.min(nr, nc - jr), first = j0 + jr;
            long d = (long) jr * kc * 4;
            for (int pp = 0; pp < kc; pp++, d += 4L * nr) {
                int tap = p0 + pp, ci = tap / khw, ky = tap % khw / kW, kx = tap % kW;
                int shift = ci * plane + ky * dh * wp + kx * dw, l = 0;
                for (; l < cols; l++) dst.set(F, d + 4L * l, xp[shift + offsets[first + l]]);
                for (; l < nr; l++) dst.set(F, d + 4L * l, 0f);
            }
        }
    }

    /** dst lane l = xp[shift + off[l]] for l < cols, zero after. */
    private void packPaddedRow(float[] xp, int shift, int[] off, int cols, MemorySegment dst, long d) {
        int nr = nr(), l = 0;
        for (; l < cols; l++) dst.set(F, d + 4L * l, xp[shift + off[l]]);
        for (; l < nr; l++) dst.set(F, d + 4L * l, 0f);
    }

    /**
     * Packs the transposed im2col matrix of a whole batch (what the weight gradient multiplies by):
     * row p = (image, oy, ox) over all images in order, column j = kernel position (c, ky, kx).
     * xBase is the offset of channel 0 of the group in image 0; images are imageStride apart.
     */
    void packBIm2colT(float[] x, int xBase, int imageStride, ConvGeometry g, int p0, int kc, int j0, int nc,
                      MemorySegment dst) {
        final int nr = nr(), hIn = g.h(), wIn = g.w(), ow = g.outW(), ohw = g.outH() * ow, kW = g.kW(), khw = g.kH() * kW;
        final int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW(), dh = g.dilationH(), dw = g.dilationW();
        final int plane = hIn * wIn;
        float[] st = Workspace.get().stage(nr * kc);
        for (int jr = 0; jr < nc; jr += nr) {
            int cols = Math.min(nr, nc - jr);
            for (int l = 0; l < nr; l++) {
                if (l >= cols) {
                    for (int p = 0; p < kc; p++) st[p * nr + l] = 0f;
                    continue;
                }
                int j = j0 + jr + l, ci = j / khw, rem = j % khw, ky = rem / kW, kx = rem % kW;
                int pp = 0;
                while (pp < kc) {
                    int q = p0 + pp, image = q / ohw, pix = q % ohw, oy = pix / ow, ox = pix % ow;
                    int len = Math.min(kc - pp, ow - ox);
                    int iy = oy * sh - ph + ky * dh, ix0 = ox * sw - pw + kx * dw;
                    gatherRun(x, xBase + image * imageStride + ci * plane, iy, ix0, sw, hIn, wIn, len, st, pp * nr + l, nr);
                    pp += len;
                }
            }
            MemorySegment.copy(st, 0, dst, F, (long) jr * kc * 4, nr * kc);
        }
    }

    /**
     * The planes src (c, h, w) at base in channels-last order and surrounded by zeros, into dst (h + 2*ph,
     * w + 2*pw, c) at dstBase: dst[((iy + ph) * (w + 2*pw) + ix + pw) * c + ci] = src[base + (ci * h + iy) * w + ix].
     */
    void toChannelsLast(float[] src, int base, int c, int h, int w, int ph, int pw, float[] dst, int dstBase) {
        zeroChannelsLastBorder(c, h, w, ph, pw, dst, dstBase);
        toChannelsLastPart(src, base, c, h, w, ph, pw, dst, dstBase, 0, c, 0, w);
    }

    /** The padding of {@link #toChannelsLast}'s dst: ph rows above and below, pw columns left and right. */
    static void zeroChannelsLastBorder(int c, int h, int w, int ph, int pw, float[] dst, int dstBase) {
        int wp = w + 2 * pw, row = wp * c;
        java.util.Arrays.fill(dst, dstBase, dstBase + ph * row, 0f);
        java.util.Arrays.fill(dst, dstBase + (ph + h) * row, dstBase + (2 * ph + h) * row, 0f);
        for (int iy = 0; iy < h; iy++) {
            int at = dstBase + (iy + ph) * row;
            java.util.Arrays.fill(dst, at, at + pw * c, 0f);
            java.util.Arrays.fill(dst, at + (pw + w) * c, at + row, 0f);
        }
    }

    /** {@link #toChannelsLast} for channels [c0, c1) and columns [x0, x1) only, element by element. */
    static void toChannelsLastPart(float[] src, int base, int c, int h, int w, int ph, int pw, float[] dst, int dstBase,
                                   int c0, int c1, int x0, int x1) {
        int wp = w + 2 * pw;
        for (int ci = c0; ci < c1; ci++) {
            for (int iy = 0; iy < h; iy++) {
                int s = base + (ci * h + iy) * w, d = dstBase + ((iy + ph) * wp + pw) * c + ci;
                for (int ix = x0; ix < x1; ix++) dst[d + ix * c] = src[s + ix];
            }
        }
    }

    /**
     * Packs rows [i0, i0+mc) and columns [p0, p0+kc) of the weight gradient's A from a channels-last padded batch
     * xT (n, hp, wp, cIn) ({@link #toChannelsLast}): row i = (ky, kx, ci), column q = (image, oy, ox) over all
     * images in order, value xT[image][oy*sh + ky*dh][ox*sw + kx*dw][ci]. The rows of a panel that share a
     * kernel tap are consecutive floats of one pixel, so a panel packs by short row copies, not transposes.
     */
    void packAChannelsLastTaps(float[] xT, int hp, int wp, ConvGeometry g, int i0, int mc, int p0, int kc,
                               MemorySegment dst) {
        int mr = mr(), c = g.cIn();
        int[] pixel = pixelOffsets(g, hp, wp, p0, kc);
        for (int ir = 0; ir < mc; ir += mr) {
            long panel = (long) ir * kc * 4;
            for (int r = 0; r < mr; r++) {
                int i = i0 + ir + r;
                boolean live = ir + r < mc;
                int tap = live ? tapOffset(g, wp, i / c) + i % c : 0;
                for (int p = 0; p < kc; p++) dst.set(F, panel + 4L * (p * mr + r), live ? xT[pixel[p] + tap] : 0f);
            }
        }
    }

    /** The offset in a channels-last batch xT (n, hp, wp, cIn) of the pixel that output q = p0 + p reads at tap (0, 0). */
    static int[] pixelOffsets(ConvGeometry g, int hp, int wp, int p0, int kc) {
        final int c = g.cIn(), ow = g.outW(), oh = g.outH(), ohw = oh * ow, image = hp * wp * c;
        final int sh = g.strideH(), sw = g.strideW();
        int[] pixel = Workspace.get().pixels(kc);
        int q = p0 / ohw, oy = p0 % ohw / ow, ox = p0 % ow;
        for (int p = 0; p < kc; p++) {
            pixel[p] = q * image + (oy * sh * wp + ox * sw) * c;
            if (++ox == ow) {
                ox = 0;
                if (++oy == oh) {
                    oy = 0;
                    q++;
                }
            }
        }
        return pixel;
    }

    /** The offset in a channels-last padded image of kernel tap t = ky * kW + kx from tap (0, 0). */
    static int tapOffset(ConvGeometry g, int wp, int t) {
        return ((t / g.kW()) * g.dilationH() * wp + (t % g.kW()) * g.dilationW()) * g.cIn();
    }

    /** {@link #gatherRun} into a heap array: st[d + t*step]. */
    static void gatherRun(float[] x, int base, int iy, int ix0, int sw, int hIn, int wIn, int len,
                          float[] st, int d, int step) {
        if (iy < 0 || iy >= hIn) {
            for (int t = 0; t < len; t++) st[d + t * step] = 0f;
            return;
        }
        int tLo = ix0 >= 0 ? 0 : Math.min(len, (-ix0 + sw - 1) / sw);
        int tHi = ix0 >= wIn ? 0 : Math.min(len, (wIn - ix0 + sw - 1) / sw);
        if (tHi < tLo) tHi = tLo;
        int t = 0;
        for (; t < tLo; t++) st[d + t * step] = 0f;
        int src = base + iy * wIn + ix0;
        for (; t < tHi; t++) st[d + t * step] = x[src + t * sw];
        for (; t < len; t++) st[d + t * step] = 0f;
    }

    static int roundUp(int x, int to) {
        return (x + to - 1) / to * to;
    }

    /** Writes x[base + iy*w + ix0 + t*sw] (0 outside the image) for t in [0, len) to dst at d + t*step. */
    static void gatherRun(float[] x, int base, int iy, int ix0, int sw, int hIn, int wIn, int len,
                          MemorySegment dst, long d, long step) {
        if (iy < 0 || iy >= hIn) {
            for (int t = 0; t < len; t++) dst.set(F, d + t * step, 0f);
            return;
        }
        // t is inside when 0 <= ix0 + t*sw < wIn
        int tLo = ix0 >= 0 ? 0 : Math.min(len, (-ix0 + sw - 1) / sw);
        int tHi = ix0 >= wIn ? 0 : Math.min(len, (wIn - ix0 + sw - 1) / sw);
        if (tHi < tLo) tHi = tLo;
        int t = 0;
        for (; t < tLo; t++) dst.set(F, d + t * step, 0f);
        int src = base + iy * wIn + ix0;
        for (; t < tHi; t++) dst.set(F, d + t * step, x[src + t * sw]);
        for (; t < len; t++) dst.set(F, d + t * step, 0f);
    }

    // ------------------------------------------------------------------ GEMM macro-kernel

    /**
     * C[0:mc, 0:nc] (at c[offC], row stride ldc) gets the product of a packed A block and a packed B
     * block: on the first K block C = alpha*AB + beta*C (C not read when beta == 0), on later blocks
     * C += alpha*AB. Each element's sum over p runs in order, whatever the tiling.
     */
    void macro(int mc, int nc, int kc, MemorySegment a, MemorySegment b, float[] c, int offC, int ldc,
               float alpha, float beta, boolean first) {
        int mr = mr(), nr = nr();
        for (int jr = 0; jr < nc; jr += nr) {
            long bp = (long) jr * kc * 4;
            int cols = Math.min(nr, nc - jr);
            for (int ir = 0; ir < mc; ir += mr) {
                long ap = (long) ir * kc * 4;
                int rows = Math.min(mr, mc - ir);
                for (int r = 0; r < rows; r++) {
                    for (int l = 0; l < cols; l++) {
                        float acc = 0f;
                        for (int p = 0; p < kc; p++) {
                            acc = Math.fma(a.get(F, ap + 4L * (p * mr + r)), b.get(F, bp + 4L * (p * nr + l)), acc);
                        }
                        int idx = offC + (ir + r) * ldc + jr + l;
                        c[idx] = update(acc, c, idx, alpha, beta, first);
                    }
                }
            }
        }
    }

    static float update(float acc, float[] c, int idx, float alpha, float beta, boolean first) {
        if (!first) return Math.fma(acc, alpha, c[idx]);
        if (beta == 0f) return acc * alpha;
        return Math.fma(acc, alpha, c[idx] * beta);
    }

    // ------------------------------------------------------------------ direct 3x3 convolution (see DirectConv)

    /** Positions per call of {@link #direct3x3}. */
    int directBlock() {
        return 1;
    }

    /**
     * Four output channels of a stride-1 3x3 convolution at the positions [q, q + directBlock()) of the flat padded
     * domain (see DirectConv), indices in floats:
     * <pre>
     *   out[outAt + c*outStride + i] = sum over ci, ky, kx of w4[wAt + (9*ci + 3*ky + kx)*4 + c] * xp[q + ci*plane + ky*wp + kx + i]
     * </pre>
     * for c &lt; 4, summed in (ci, ky, kx) order by fused multiply-adds from zero (the vector kernel's order, lane by lane).
     */
    void direct3x3(MemorySegment xp, long q, long plane, long wp, int cIn, MemorySegment w4, long wAt,
                   float[] out, int outAt, int outStride) {
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < directBlock(); i++) {
                float acc = 0f;
                long wi = wAt + c;
                for (int ci = 0; ci < cIn; ci++) {
                    for (int ky = 0; ky < 3; ky++) {
                        for (int kx = 0; kx < 3; kx++, wi += 4) {
                            acc = Math.fma(w4.get(F, 4 * wi), xp.get(F, 4 * (q + ci * plane + ky * wp + kx + i)), acc);
                        }
                    }
                }
                out[outAt + c * outStride + i] = acc;
            }
        }
    }

    /**
     * One row of DirectConv's zero-padded copy: dst[at - pw, at) and [at + w, at + w + pw) = 0 and dst[at, at + w) =
     * x[src, src + w), offsets in floats.
     */
    void padRow(float[] x, int src, int w, int pw, MemorySegment dst, long at) {
        for (int i = 1; i <= pw; i++) {
            dst.set(F, 4 * (at - i), 0f);
            dst.set(F, 4 * (at + w - 1 + i), 0f);
        }
        MemorySegment.copy(x, src, dst, F, 4 * at, w);
    }

    /** Rows of dW^T one {@link #channelsLastWeightRows} call sums: its accumulators are rows x one vector of dy. */
    static final int CL_WEIGHT_ROWS = 12;

    /**
     * One image's share of the weight gradient on channels-last copies ({@link ChannelsLastWeightGradient}): for
     * r < {@link #CL_WEIGHT_ROWS}
     * <pre>
     *   sums[sOff + r*sRowStep + l] += sum over oy < oh, ox < ow of  xT[xOff + oy*xRowStep + ox*xColStep + r]
     *                                                               * dyT[dyOff + (oy*ow + ox)*dyPixelStep + l]
     * </pre>
     * for l < {@link #directLanes()}, each sum a fused multiply-add chain from zero in pixel order, added to sums once
     * at the end (the vector kernel keeps the same order in each lane, so both give the same bits).
     */
    void channelsLastWeightRows(float[] xT, int xOff, int xRowStep, int xColStep, float[] dyT, int dyOff, int dyPixelStep,
                                int oh, int ow, float[] sums, int sOff, int sRowStep) {
        for (int r = 0; r < CL_WEIGHT_ROWS; r++) {
            for (int l = 0, lanes = directLanes(); l < lanes; l++) {
                float acc = 0f;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        acc = Math.fma(dyT[dyOff + (oy * ow + ox) * dyPixelStep + l], xT[xOff + oy * xRowStep + ox * xColStep + r], acc);
                    }
                }
                sums[sOff + r * sRowStep + l] += acc;
            }
        }
    }

    /** dst[d + r*w + i] = src[s + r*srcStride + i] for r < rows, i < w: a kernel's padded-width rows, the spare columns dropped. */
    void unpadRows(float[] src, int s, int srcStride, float[] dst, int d, int w, int rows) {
        for (int r = 0; r < rows; r++) System.arraycopy(src, s + r * srcStride, dst, d + r * w, w);
    }

    /** Lanes of {@link #direct3x3WeightRow}'s partial sums. */
    int directLanes() {
        return 1;
    }

    /**
     * {@link #direct3x3WeightRow} for the kernel rows at xAt and xAt + wp at once, the second row's sums 12 * lanes
     * floats after the first's (one read of dy for both).
     */
    void direct3x3WeightRows2(MemorySegment dyp, long dyAt, long dyStride, MemorySegment xp, long xAt, long wp, long n,
                              float[] out, int outAt) {
        direct3x3WeightRow(dyp, dyAt, dyStride, xp, xAt, n, out, outAt);
        direct3x3WeightRow(dyp, dyAt, dyStride, xp, xAt + wp, n, out, outAt + 12 * directLanes());
    }

    /**
     * One kernel row of a 3x3 weight gradient for four output channels (see DirectConv.backwardWeight), indices in floats:
     * <pre>
     *   out[outAt + (3*c + kx)*lanes + l] += sum over i &lt; n, i = l (mod lanes), of dyp[dyAt + c*dyStride + i] * xp[xAt + kx + i]
     * </pre>
     * for c &lt; 4 and kx &lt; 3, with lanes = {@link #directLanes()} and n a multiple of it: each lane sums its products
     * by fused multiply-adds in order from zero, then adds the sum to the value in out. (Starting the vector kernels'
     * accumulators from out instead made C2 compile them several times larger and run them at half speed inside a
     * network, where every other kernel's array loads share the JDK's profile of the load.)
     */
    void direct3x3WeightRow(MemorySegment dyp, long dyAt, long dyStride, MemorySegment xp, long xAt, long n,
                            float[] out, int outAt) {
        for (int c = 0; c < 4; c++) {
            for (int kx = 0; kx < 3; kx++) {
                float acc = 0f;
                for (long i = 0; i < n; i++) {
                    acc = Math.fma(dyp.get(F, 4 * (dyAt + c * dyStride + i)), xp.get(F, 4 * (xAt + kx + i)), acc);
                }
                out[outAt + 3 * c + kx] += acc;
            }
        }
    }

    // ------------------------------------------------------------------ Winograd F(2x2, 3x3) transforms

    /**
     * Winograd's input transform V = B^T d B at positions [from, to) (see Winograd.transformInput): r holds the
     * parity planes ee, eo, oe, oo (each {@code plane} floats), so d's rows are (ee, eo) at p, (oe, oo) at p,
     * (ee, eo) at p + span and (oe, oo) at p + span, each read at columns p and p + 1. First each row's d B =
     * [d0 - d2, d1 + d2, d2 - d1, d1 - d3], then B^T of those; V[4i + j] goes to v[out + (4i + j) * stride + p].
     */
    void winogradInput(float[] r, int plane, int span, float[] v, int out, int stride, int from, int to) {
        final int ee = 0, eo = plane, oe = 2 * plane, oo = 3 * plane;
        for (int p = from; p < to; p++) {
            int q = p + span;
            float a0 = r[ee + p] - r[ee + p + 1], a1 = r[eo + p] + r[ee + p + 1];
            float a2 = r[ee + p + 1] - r[eo + p], a3 = r[eo + p] - r[eo + p + 1];
            float b0 = r[oe + p] - r[oe + p + 1], b1 = r[oo + p] + r[oe + p + 1];
            float b2 = r[oe + p + 1] - r[oo + p], b3 = r[oo + p] - r[oo + p + 1];
            float c0 = r[ee + q] - r[ee + q + 1], c1 = r[eo + q] + r[ee + q + 1];
            float c2 = r[ee + q + 1] - r[eo + q], c3 = r[eo + q] - r[eo + q + 1];
            float d0 = r[oe + q] - r[oe + q + 1], d1 = r[oo + q] + r[oe + q + 1];
            float d2 = r[oe + q + 1] - r[oo + q], d3 = r[oo + q] - r[oo + q + 1];
            // B^T (d B): rows [a - c, b + c, c - b, b - d]
            int at = out + p;
            v[at] = a0 - c0;
            v[at + stride] = a1 - c1;
            v[at + 2 * stride] = a2 - c2;
            v[at + 3 * stride] = a3 - c3;
            v[at + 4 * stride] = b0 + c0;
            v[at + 5 * stride] = b1 + c1;
            v[at + 6 * stride] = b2 + c2;
            v[at + 7 * stride] = b3 + c3;
            v[at + 8 * stride] = c0 - b0;
            v[at + 9 * stride] = c1 - b1;
            v[at + 10 * stride] = c2 - b2;
            v[at + 11 * stride] = c3 - b3;
            v[at + 12 * stride] = b0 - d0;
            v[at + 13 * stride] = b1 - d1;
            v[at + 14 * stride] = b2 - d2;
            v[at + 15 * stride] = b3 - d3;
        }
    }

    /**
     * Winograd's output transform (see Winograd.transformOutput) at positions [from, to) of n: q[0..4n) = the
     * rows (y00, y01, y10, y11) of A^T M A + b, where M[ξ] at position p is m[at + ξ * stride + p].
     */
    void winogradOutput(float[] m, int at, int stride, int n, float b, float[] q, int from, int to) {
        for (int t = from; t < to; t++) {
            int a = at + t;
            // A^T M: rows [m0 + m1 + m2, m1 - m2 - m3], per column j
            float s00 = m[a] + m[a + 4 * stride] + m[a + 8 * stride];
            float s01 = m[a + stride] + m[a + 5 * stride] + m[a + 9 * stride];
            float s02 = m[a + 2 * stride] + m[a + 6 * stride] + m[a + 10 * stride];
            float s03 = m[a + 3 * stride] + m[a + 7 * stride] + m[a + 11 * stride];
            float s10 = m[a + 4 * stride] - m[a + 8 * stride] - m[a + 12 * stride];
            float s11 = m[a + 5 * stride] - m[a + 9 * stride] - m[a + 13 * stride];
            float s12 = m[a + 6 * stride] - m[a + 10 * stride] - m[a + 14 * stride];
            float s13 = m[a + 7 * stride] - m[a + 11 * stride] - m[a + 15 * stride];
            // (A^T M) A: columns [s0 + s1 + s2, s1 - s2 - s3]
            q[t] = s00 + s01 + s02 + b;
            q[n + t] = s01 - s02 - s03 + b;
            q[2 * n + t] = s10 + s11 + s12 + b;
            q[3 * n + t] = s11 - s12 - s13 + b;
        }
    }

    /**
     * Winograd's output-gradient transform dM = A dY A^T at positions [from, to) (see
     * Winograd.transformOutputGradient): r holds dY's rows split by column parity, planes e0, o0, e1, o1 of
     * {@code plane} floats each, so dY = [[e0, o0], [e1, o1]] at p. First A dY = rows [y0, y0 + y1, y0 - y1,
     * -y1], then (A dY) A^T = columns [r0, r0 + r1, r0 - r1, -r1]; dM[4i + j] goes to m[out + (4i + j) * stride + p].
     */
    void winogradOutputGradient(float[] r, int plane, float[] m, int out, int stride, int from, int to) {
        for (int p = from; p < to; p++) {
            float e0 = r[p], o0 = r[plane + p], e1 = r[2 * plane + p], o1 = r[3 * plane + p];
            int at = out + p;
            gradientRow(e0, o0, m, at, stride);
            gradientRow(e0 + e1, o0 + o1, m, at + 4 * stride, stride);
            gradientRow(e0 - e1, o0 - o1, m, at + 8 * stride, stride);
            gradientRow(-e1, -o1, m, at + 12 * stride, stride);
        }
    }

    /** One row (r0, r1) of A dY times A^T: [r0, r0 + r1, r0 - r1, -r1] at m[at + j * stride]. */
    private static void gradientRow(float r0, float r1, float[] m, int at, int stride) {
        m[at] = r0;
        m[at + stride] = r0 + r1;
        m[at + 2 * stride] = r0 - r1;
        m[at + 3 * stride] = -r1;
    }

    /** Splits 2n floats by parity: dst[even + c] = x[src + 2c], dst[odd + c] = x[src + 2c + 1] for c in [0, n). */
    void unzip(float[] x, int src, float[] dst, int even, int odd, int n) {
        for (int c = 0; c < n; c++) {
            dst[even + c] = x[src + 2 * c];
            dst[odd + c] = x[src + 2 * c + 1];
        }
    }

    /** The inverse of {@link #unzip}: y[at + 2t] = a[ai + t], y[at + 2t + 1] = b[bi + t] for t in [0, n). */
    void zip(float[] a, int ai, float[] b, int bi, float[] y, int at, int n) {
        for (int t = 0; t < n; t++) {
            y[at + 2 * t] = a[ai + t];
            y[at + 2 * t + 1] = b[bi + t];
        }
    }

    // ------------------------------------------------------------------ max pooling

    /**
     * y[out + t] = the maximum of the window whose top-left is x[at + t*sw] (kH rows rowStep apart, kW columns
     * dil apart, all inside the plane) for t in [0, n), as PyTorch picks it: the first maximum in scan order (so
     * -0 before +0 stays -0), and the first NaN over everything.
     */
    void maxWindows(float[] x, int at, int sw, int kH, int kW, int rowStep, int dil, float[] y, int out, int n) {
        for (int t = 0; t < n; t++) {
            int s = at + t * sw;
            float best = x[s];
            for (int ky = 0; ky < kH; ky++) {
                for (int kx = ky == 0 ? 1 : 0; kx < kW; kx++) {
                    float v = x[s + ky * rowStep + kx * dil];
                    if (v > best || (v != v && best == best)) best = v;
                }
            }
            y[out + t] = best;
        }
    }

    /**
     * For n windows inside the plane (as {@link #maxWindows}), the array offset of each one's maximum into idx[out..]:
     * the first in scan order, a first NaN winning over everything (PyTorch's rule, Pool.argmax).
     */
    void argmaxWindows(float[] x, int at, int sw, int kH, int kW, int rowStep, int dil, int[] idx, int out, int n) {
        for (int t = 0; t < n; t++) {
            int s = at + t * sw, best = s;
            float bestV = x[s];
            for (int ky = 0; ky < kH; ky++) {
                for (int kx = ky == 0 ? 1 : 0; kx < kW; kx++) {
                    int i = s + ky * rowStep + kx * dil;
                    float v = x[i];
                    if (v > bestV || (v != v && bestV == bestV)) {
                        best = i;
                        bestV = v;
                    }
                }
            }
            idx[out + t] = best;
        }
    }

    // ------------------------------------------------------------------ element-wise on [from, to)

    void add(float[] a, float[] b, float[] o, int from, int to) {
        for (int i = from; i < to; i++) o[i] = a[i] + b[i];
    }

    /** o[oOff + t] = a[aOff + t] + b[t] for t in [0, len): adds a vector to one row. */
    void add(float[] a, float[] b, float[] o, int aOff, int oOff, int len) {
        for (int t = 0; t < len; t++) o[oOff + t] = a[aOff + t] + b[t];
    }

    void axpy(float alpha, float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) y[i] = Math.fma(alpha, x[i], y[i]);
    }

    void scale(float[] x, float alpha, float[] o, int from, int to) {
        for (int i = from; i < to; i++) o[i] = alpha * x[i];
    }

    void mul(float[] a, float[] b, float[] o, int from, int to) {
        for (int i = from; i < to; i++) o[i] = a[i] * b[i];
    }

    /** y = x where x &gt; 0, else 0; NaN stays NaN as in torch.relu, so a non-finite check downstream still sees it. */
    void relu(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) y[i] = x[i] > 0f || x[i] != x[i] ? x[i] : 0f;
    }

    void reluBackward(float[] dy, float[] y, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) dx[i] = y[i] > 0f ? dy[i] : 0f;
    }

    /** dst[d + t] += src[s + t] for t in [0, len). */
    void accumulate(float[] src, int s, float[] dst, int d, int len) {
        for (int t = 0; t < len; t++) dst[d + t] += src[s + t];
    }

    /** y[i] += v. */
    void addScalar(float[] y, float v, int from, int to) {
        for (int i = from; i < to; i++) y[i] += v;
    }

    /** y = x * scale + shift (one fused multiply-add per element). */
    void affine(float[] x, float[] y, float scale, float shift, int from, int to) {
        for (int i = from; i < to; i++) y[i] = Math.fma(x[i], scale, shift);
    }

    /**
     * y = relu?(fma(y + bias, scale, shift) + r) on [from, to), r read at y's indices: {@link #addScalar}, {@link #affine},
     * {@link #add} and {@link #relu} one after another, each only when asked for (same bits, one pass). See {@link OutputEpilogue}.
     */
    void finishOutput(float[] y, int from, int to, boolean addBias, float bias, boolean affine, float scale, float shift,
                      float[] r, boolean relu) {
        for (int i = from; i < to; i++) {
            float v = y[i];
            if (addBias) v += bias;
            if (affine) v = Math.fma(v, scale, shift);
            if (r != null) v += r[i];
            if (relu && !(v > 0f || v != v)) v = 0f;
            y[i] = v;
        }
    }

    /** dx = ka*dy + kb*x + kc, the batch-norm input gradient rewritten as one affine map per channel. */
    void affine2(float[] dy, float[] x, float[] dx, float ka, float kb, float kc, int from, int to) {
        for (int i = from; i < to; i++) dx[i] = Math.fma(ka, dy[i], Math.fma(kb, x[i], kc));
    }

    // ------------------------------------------------------------------ reductions on [from, to), fixed order

    /** Sum in float64 (the per-plane term of {@link #sumPlanes}). */
    double sum(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += x[i];
        return s;
    }

    /** Sum accumulated in float64 throughout (the host reductions promise a double-accurate result). */
    double sumDouble(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += x[i];
        return s;
    }

    double sumSq(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += (double) x[i] * x[i];
        return s;
    }

    /** Sum of (x - mu)^2. */
    double sumSqDiff(float[] x, float mu, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            double d = x[i] - mu;
            s += d * d;
        }
        return s;
    }

    /** Sum of dy * (x - mu). */
    double sumProdCentered(float[] dy, float[] x, float mu, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += (double) dy[i] * (x[i] - mu);
        return s;
    }

    // ------------------------------------------------------------------ per-channel sums of NCHW: n planes of hw, stride apart

    /** Σ x over the planes [first + p stride, + hw), p = 0..n-1: one channel's sum over the batch. */
    double sumPlanes(float[] x, int first, int stride, int n, int hw) {
        double s = 0;
        for (int p = 0; p < n; p++) s += sum(x, first + p * stride, first + p * stride + hw);
        return s;
    }

    /** Σ (x - mu)^2 over the same planes. */
    double sumSqDiffPlanes(float[] x, float mu, int first, int stride, int n, int hw) {
        double s = 0;
        for (int p = 0; p < n; p++) s += sumSqDiff(x, mu, first + p * stride, first + p * stride + hw);
        return s;
    }

    /** out[0] = Σ dy and out[1] = Σ dy (x - mu) over the same planes. */
    void sumAndSumProdCenteredPlanes(float[] dy, float[] x, float mu, int first, int stride, int n, int hw, double[] out) {
        double s = 0, q = 0;
        for (int p = 0; p < n; p++) {
            int base = first + p * stride;
            s += sum(dy, base, base + hw);
            q += sumProdCentered(dy, x, mu, base, base + hw);
        }
        out[0] = s;
        out[1] = q;
    }

    /** Max of |x|, NaN if any element is NaN. */
    double maxAbs(float[] x, int from, int to) {
        float m = 0f;
        for (int i = from; i < to; i++) {
            float v = x[i];
            if (v != v) return Double.NaN;
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    long countNonFinite(float[] x, int from, int to) {
        long c = 0;
        for (int i = from; i < to; i++) if (!Float.isFinite(x[i])) c++;
        return c;
    }

    // ------------------------------------------------------------------ optimizers on [from, to)

    void sgd(float[] p, float[] g, float[] buf, float rate, float mom, float damp, boolean nesterov, float wd,
             boolean firstStep, int from, int to) {
        for (int i = from; i < to; i++) {
            float d = g[i];
            if (wd != 0f) d = d + wd * p[i];
            if (mom != 0f) {
                float b = firstStep ? d : mom * buf[i] + damp * d;
                buf[i] = b;
                d = nesterov ? d + mom * b : b;
            }
            p[i] = p[i] - rate * d;
        }
    }

    void adam(float[] p, float[] g, float[] m, float[] v, float stepSize, float bc2Sqrt, float b1, float b2, float c1, float c2, float e,
              float wd, boolean decoupled, float decay, int from, int to) {
        float ob1 = c1, ob2 = c2; // 1 - beta rounded once from double, as PyTorch
        for (int i = from; i < to; i++) {
            float gi = g[i];
            if (wd != 0f) {
                if (decoupled) p[i] *= decay;
                else gi = gi + wd * p[i];
            }
            float mi = m[i] * b1 + ob1 * gi;
            float vi = v[i] * b2 + ob2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + e;
            p[i] = p[i] - stepSize * (mi / denom);
        }
    }
}
