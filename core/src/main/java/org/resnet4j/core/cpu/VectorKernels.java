package org.resnet4j.core.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.resnet4j.core.ConvGeometry;

/**
 * The hot loops on the Vector API. Loaded only after {@link Simd} has checked that
 * {@code jdk.incubator.vector} is resolved, so nothing else in the backend links against it.
 *
 * <p>The GEMM micro-kernel keeps a 6 x (2 vectors) tile of C in twelve local accumulators (all in
 * registers on AVX2: 12 + 2 for B + 1 broadcast of A = 15 of 16), reads the packed panels from
 * native memory and runs without masks; partial edge tiles go through a small scratch tile.
 */
final class VectorKernels extends Kernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 6;
    private static final int NR = 2 * L;
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    @Override
    int mr() {
        return MR;
    }

    @Override
    int nr() {
        return NR;
    }

    @Override
    String describe() {
        return "vector " + S.vectorBitSize() + "-bit, micro-kernel " + MR + "x" + NR;
    }

    @Override
    void copyRow(float[] x, int src, MemorySegment dst, long d) {
        FloatVector.fromArray(S, x, src).intoMemorySegment(dst, d, NO);
        FloatVector.fromArray(S, x, src + L).intoMemorySegment(dst, d + 4L * L, NO);
    }

    @Override
    void packBIm2colPadded(float[] xp, int xpBase, int hp, int wp, ConvGeometry g, int p0, int kc, int j0, int nc,
                           MemorySegment dst) {
        if (g.strideW() != 1 || g.strideH() != 1) {
            if (T8 && g.strideW() == 2) packBIm2colPaddedStride2(xp, xpBase, hp, wp, g, p0, kc, j0, nc, dst);
            else super.packBIm2colPadded(xp, xpBase, hp, wp, g, p0, kc, j0, nc, dst);
            return;
        }
        final int ow = g.outW(), kW = g.kW(), kH = g.kH(), khw = kH * kW, dh = g.dilationH(), dw = g.dilationW();
        final int plane = hp * wp, gap = wp - ow;
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr), j = j0 + jr, j1 = j + L;
            // each half of the panel (one vector) lies on one output row or has one row end inside it (outputs at least
            // half a vector wide, e.g. ResNet-20's 8x8 with 16 lanes); otherwise, or in a last partial panel, the general
            // packers take it
            int first0 = (j / ow) * wp + j % ow, split0 = ow - j % ow;
            int first1 = (j1 / ow) * wp + j1 % ow, split1 = ow - j1 % ow;
            boolean atMostOneEnd = split0 + ow >= L && split1 + ow >= L;
            if (cols < NR || !atMostOneEnd) {
                if (cols == NR) {
                    // several row ends in a vector (outputs narrower than half a vector, e.g. 7x7 with 16 lanes)
                    gatherPadded(xp, xpBase, wp, plane, g, p0, kc, j, dst, (long) jr * kc * 4);
                } else {
                    super.packBIm2colPadded(xp, xpBase, hp, wp, g, p0, kc, j, cols, dst.asSlice((long) jr * kc * 4));
                }
                continue;
            }
            // lanes from split on lie on the next output row: gap floats further on
            boolean ends0 = split0 < L, ends1 = split1 < L;
            VectorMask<Float> jumped0 = S.indexInRange(0, split0).not(), jumped1 = S.indexInRange(0, split1).not();
            long d = (long) jr * kc * 4;
            int ci = p0 / khw, rem = p0 % khw, ky = rem / kW, kx = rem % kW;
            int rowBase = xpBase + ci * plane + ky * dh * wp;
            for (int pp = 0; pp < kc; pp++, d += 4L * NR) {
                int base = rowBase + kx * dw, at0 = base + first0, at1 = base + first1;
                FloatVector v0 = FloatVector.fromArray(S, xp, at0), v1 = FloatVector.fromArray(S, xp, at1);
                if (ends0) v0 = v0.blend(FloatVector.fromArray(S, xp, at0 + gap), jumped0);
                if (ends1) v1 = v1.blend(FloatVector.fromArray(S, xp, at1 + gap), jumped1);
                v0.intoMemorySegment(dst, d, NO);
                v1.intoMemorySegment(dst, d + 4L * L, NO);
                if (++kx == kW) {
                    kx = 0;
                    rowBase += dh * wp;
                    if (++ky == kH) {
                        ky = 0;
                        rowBase += plane - kH * dh * wp;
                    }
                }
            }
        }
    }

    /** Full panels by two gathers per row (one per vector of columns); a last partial panel by the scalar packer. */
    @Override
    void packBIm2colImages(float[] xp, int[] offsets, int plane, int wp, ConvGeometry g, int p0, int kc, int j0, int nc,
                           MemorySegment dst) {
        final int kW = g.kW(), khw = g.kH() * kW, dh = g.dilationH(), dw = g.dilationW();
        for (int jr = 0; jr < nc; jr += NR) {
            int first = j0 + jr;
            if (nc - jr < NR) {
                super.packBIm2colImages(xp, offsets, plane, wp, g, p0, kc, first, nc - jr, dst.asSlice((long) jr * kc * 4));
                continue;
            }
            long d = (long) jr * kc * 4;
            int ci = p0 / khw, ky = p0 % khw / kW, kx = p0 % kW;
            int rowBase = ci * plane + ky * dh * wp;
            for (int pp = 0; pp < kc; pp++, d += 4L * NR) {
                int shift = rowBase + kx * dw;
                FloatVector.fromArray(S, xp, shift, offsets, first).intoMemorySegment(dst, d, NO);
                FloatVector.fromArray(S, xp, shift, offsets, first + L).intoMemorySegment(dst, d + 4L * L, NO);
                if (++kx == kW) {
                    kx = 0;
                    rowBase += dh * wp;
                    if (++ky == g.kH()) {
                        ky = 0;
                        rowBase += plane - g.kH() * dh * wp;
                    }
                }
            }
        }
    }

    /**
     * {@link #packBIm2colPadded} at column stride 2 (ResNet's downsampling 3x3 and 1x1 layers): a panel's columns
     * fall into runs, one per output row they touch; each run of a panel row is the even lanes of two loads per
     * 8 columns, a last partial one stored under a mask. Unused lanes stay zero.
     */
    private void packBIm2colPaddedStride2(float[] xp, int xpBase, int hp, int wp, ConvGeometry g, int p0, int kc, int j0,
                                          int nc, MemorySegment dst) {
        final int ow = g.outW(), kW = g.kW(), kH = g.kH(), khw = kH * kW, dh = g.dilationH(), dw = g.dilationW();
        final int plane = hp * wp, sh = g.strideH();
        int[] runLane = new int[NR + 1], runOff = new int[NR];
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr), runs = 0;
            for (int l = 0; l < cols; ) {
                int j = j0 + jr + l, len = Math.min(cols - l, ow - j % ow);
                runLane[runs] = l;
                runOff[runs++] = (j / ow) * sh * wp + (j % ow) * 2;
                l += len;
            }
            runLane[runs] = cols;
            long d = (long) jr * kc * 4;
            int ci = p0 / khw, rem = p0 % khw, ky = rem / kW, kx = rem % kW;
            int rowBase = xpBase + ci * plane + ky * dh * wp;
            for (int pp = 0; pp < kc; pp++, d += 4L * NR) {
                int base = rowBase + kx * dw;
                if (cols < NR) {
                    FloatVector.zero(S).intoMemorySegment(dst, d, NO);
                    FloatVector.zero(S).intoMemorySegment(dst, d + 4L * L, NO);
                }
                for (int r = 0; r < runs; r++) {
                    int src = base + runOff[r];
                    for (int l = runLane[r], end = runLane[r + 1]; l < end; l += L8, src += 2 * L8) {
                        long at = d + 4L * l;
                        if (src + 2 * L8 > xp.length) {
                            for (int t = 0; t < Math.min(L8, end - l); t++) dst.set(F, at + 4L * t, xp[src + 2 * t]);
                        } else if (end - l >= L8) {
                            evens(xp, src).intoMemorySegment(dst, at, NO);
                        } else {
                            evens(xp, src).intoMemorySegment(dst, at, NO, S8.indexInRange(0, end - l));
                        }
                    }
                }
                if (++kx == kW) {
                    kx = 0;
                    rowBase += dh * wp;
                    if (++ky == kH) {
                        ky = 0;
                        rowBase += plane - kH * dh * wp;
                    }
                }
            }
        }
    }

    /** One full panel of {@link #packBIm2colPadded} at columns [j, j + NR), whatever their layout, by gathers. */
    private static void gatherPadded(float[] xp, int xpBase, int wp, int plane, ConvGeometry g, int p0, int kc, int j,
                                     MemorySegment dst, long d) {
        final int kW = g.kW(), kH = g.kH(), khw = kH * kW, dh = g.dilationH(), dw = g.dilationW(), ow = g.outW();
        int[] off = new int[NR];
        for (int l = 0; l < NR; l++) off[l] = (j + l) / ow * wp + (j + l) % ow;
        int ci = p0 / khw, rem = p0 % khw, ky = rem / kW, kx = rem % kW;
        int rowBase = xpBase + ci * plane + ky * dh * wp;
        for (int pp = 0; pp < kc; pp++, d += 4L * NR) {
            int base = rowBase + kx * dw;
            FloatVector.fromArray(S, xp, base, off, 0).intoMemorySegment(dst, d, NO);
            FloatVector.fromArray(S, xp, base, off, L).intoMemorySegment(dst, d + 4L * L, NO);
            if (++kx == kW) {
                kx = 0;
                rowBase += dh * wp;
                if (++ky == kH) {
                    ky = 0;
                    rowBase += plane - kH * dh * wp;
                }
            }
        }
    }

    // ------------------------------------------------------------------ transposing packers

    // Packing from a matrix whose packed dimension is its contiguous one is a transpose. An 8 x 8 block
    // goes through registers in three stages of lane permutes and blends (stage k swaps the k-blocks off the
    // diagonal), about four times faster than element-wise strided stores. These 8-lane routines (the transposes,
    // the even/odd lane splits of stride 2, the pooling windows) run on 256-bit vectors whatever the preferred
    // width, since AVX-512 machines have them too: with the preferred species they ran only where it has 8 lanes,
    // and on AVX-512 (16 lanes) fell back to the scalar packers. Narrower machines use the scalar ones.
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    private static final int L8 = 8;
    private static final boolean T8 = S.vectorBitSize() >= 256;
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_256;
    private static final int[] LANE_INDEX = {0, 1, 2, 3, 4, 5, 6, 7};
    private static final VectorShuffle<Float> UP1 = T8 ? VectorShuffle.fromValues(S8, 0, 0, 2, 2, 4, 4, 6, 6) : null;
    private static final VectorShuffle<Float> DN1 = T8 ? VectorShuffle.fromValues(S8, 1, 1, 3, 3, 5, 5, 7, 7) : null;
    private static final VectorShuffle<Float> UP2 = T8 ? VectorShuffle.fromValues(S8, 0, 1, 0, 1, 4, 5, 4, 5) : null;
    private static final VectorShuffle<Float> DN2 = T8 ? VectorShuffle.fromValues(S8, 2, 3, 2, 3, 6, 7, 6, 7) : null;
    private static final VectorShuffle<Float> UP4 = T8 ? VectorShuffle.fromValues(S8, 0, 1, 2, 3, 0, 1, 2, 3) : null;
    private static final VectorShuffle<Float> DN4 = T8 ? VectorShuffle.fromValues(S8, 4, 5, 6, 7, 4, 5, 6, 7) : null;
    private static final VectorShuffle<Float> EVENS = T8 ? VectorShuffle.fromValues(S8, 0, 2, 4, 6, 0, 2, 4, 6) : null;
    private static final VectorShuffle<Float> ODDS = T8 ? VectorShuffle.fromValues(S8, 1, 3, 5, 7, 1, 3, 5, 7) : null;
    private static final VectorShuffle<Float> LOW_PAIRS = T8 ? VectorShuffle.fromValues(S8, 0, 0, 1, 1, 2, 2, 3, 3) : null;
    private static final VectorShuffle<Float> HIGH_PAIRS = T8 ? VectorShuffle.fromValues(S8, 4, 4, 5, 5, 6, 6, 7, 7) : null;
    private static final VectorMask<Float> ODD1 = T8 ? VectorMask.fromLong(S8, 0b10101010) : null;
    private static final VectorMask<Float> ODD2 = T8 ? VectorMask.fromLong(S8, 0b11001100) : null;
    private static final VectorMask<Float> ODD4 = T8 ? VectorMask.fromLong(S8, 0b11110000) : null;

    /**
     * The transpose of the 8 x 8 block whose row r is x[s_r .. s_r + 8): st[d + i*step + r] = x[s_r + i]
     * for i, r in [0, 8). Rows are stored in order i = 0..7, each as 8 lanes, so a step below 8 works when
     * the lanes past the step may be overwritten by the next row (the caller's slack). One method from loads
     * to stores: vectors passed between methods that the JIT does not inline would be boxed.
     */
    private static void transpose8(float[] x, int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7,
                                   float[] st, int d, int step) {
        transpose8(x, 1, s0, s1, s2, s3, s4, s5, s6, s7, st, d, step);
    }

    /** As above with row r = x[s_r + sw*i] for i in [0, 8), sw 1 or 2 (stride 2 reads 16 floats per row). */
    private static void transpose8(float[] x, int sw, int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7,
                                   float[] st, int d, int step) {
        FloatVector r0 = row(x, s0, sw), r1 = row(x, s1, sw), r2 = row(x, s2, sw), r3 = row(x, s3, sw);
        FloatVector r4 = row(x, s4, sw), r5 = row(x, s5, sw), r6 = row(x, s6, sw), r7 = row(x, s7, sw);
        FloatVector a0 = r0.blend(r1.rearrange(UP1), ODD1), a1 = r0.rearrange(DN1).blend(r1, ODD1);
        FloatVector a2 = r2.blend(r3.rearrange(UP1), ODD1), a3 = r2.rearrange(DN1).blend(r3, ODD1);
        FloatVector a4 = r4.blend(r5.rearrange(UP1), ODD1), a5 = r4.rearrange(DN1).blend(r5, ODD1);
        FloatVector a6 = r6.blend(r7.rearrange(UP1), ODD1), a7 = r6.rearrange(DN1).blend(r7, ODD1);
        FloatVector b0 = a0.blend(a2.rearrange(UP2), ODD2), b2 = a0.rearrange(DN2).blend(a2, ODD2);
        FloatVector b1 = a1.blend(a3.rearrange(UP2), ODD2), b3 = a1.rearrange(DN2).blend(a3, ODD2);
        FloatVector b4 = a4.blend(a6.rearrange(UP2), ODD2), b6 = a4.rearrange(DN2).blend(a6, ODD2);
        FloatVector b5 = a5.blend(a7.rearrange(UP2), ODD2), b7 = a5.rearrange(DN2).blend(a7, ODD2);
        b0.blend(b4.rearrange(UP4), ODD4).intoArray(st, d);
        b1.blend(b5.rearrange(UP4), ODD4).intoArray(st, d + step);
        b2.blend(b6.rearrange(UP4), ODD4).intoArray(st, d + 2 * step);
        b3.blend(b7.rearrange(UP4), ODD4).intoArray(st, d + 3 * step);
        b0.rearrange(DN4).blend(b4, ODD4).intoArray(st, d + 4 * step);
        b1.rearrange(DN4).blend(b5, ODD4).intoArray(st, d + 5 * step);
        b2.rearrange(DN4).blend(b6, ODD4).intoArray(st, d + 6 * step);
        b3.rearrange(DN4).blend(b7, ODD4).intoArray(st, d + 7 * step);
    }

    /** x[s + sw*i] for i in [0, 8): one load, or for sw = 2 the even lanes of two. Small enough to be inlined. */
    private static FloatVector row(float[] x, int s, int sw) {
        return sw == 1 ? FloatVector.fromArray(S8, x, s) : evens(x, s);
    }

    /** x[s], x[s+2], ..., x[s+14] (8 lanes): reads x[s .. s+16). */
    private static FloatVector evens(float[] x, int s) {
        return FloatVector.fromArray(S8, x, s).rearrange(EVENS)
                .blend(FloatVector.fromArray(S8, x, s + L8).rearrange(EVENS), ODD4);
    }

    /** x[s+1], x[s+3], ..., x[s+15] (8 lanes): reads x[s .. s+16). */
    private static FloatVector odds(float[] x, int s) {
        return FloatVector.fromArray(S8, x, s).rearrange(ODDS)
                .blend(FloatVector.fromArray(S8, x, s + L8).rearrange(ODDS), ODD4);
    }

    @Override
    void copyEvens(float[] x, int src, MemorySegment dst, long d) {
        if (!T8 || src + 2 * NR > x.length) {
            super.copyEvens(x, src, dst, d);
            return;
        }
        for (int i = 0; i < NR; i += L8) evens(x, src + 2 * i).intoMemorySegment(dst, d + 4L * i, NO);
    }

    /**
     * st[d + t*MR + r] = a[src[r] + t] for t in [0, cnt), r in [0, MR): MR rows into p-major panel order.
     * Writes up to 8 - MR floats past the last row (st needs that slack; later rows overwrite them).
     */
    private static void rowsToPanel(float[] a, int[] src, int cnt, float[] st, int d) {
        int s0 = src[0], s1 = src[1], s2 = src[2], s3 = src[3], s4 = src[4], s5 = src[5];
        int t = 0;
        for (; t + L8 <= cnt; t += L8, d += L8 * MR) {
            // rows 6 and 7 repeat row 5: they fill lanes 6 and 7, which the next row's store overwrites
            transpose8(a, s0 + t, s1 + t, s2 + t, s3 + t, s4 + t, s5 + t, s5 + t, s5 + t, st, d, MR);
        }
        for (; t < cnt; t++, d += MR) {
            st[d] = a[s0 + t];
            st[d + 1] = a[s1 + t];
            st[d + 2] = a[s2 + t];
            st[d + 3] = a[s3 + t];
            st[d + 4] = a[s4 + t];
            st[d + 5] = a[s5 + t];
        }
    }

    @Override
    void packA(float[] a, int off, int lda, boolean trans, int i0, int mc, int p0, int kc, MemorySegment dst) {
        if (!T8 || MR != 6) {
            super.packA(a, off, lda, trans, i0, mc, p0, kc, dst);
            return;
        }
        int size = roundUp(mc, MR) * kc;
        float[] st = Workspace.get().stage(size + L);
        int[] src = new int[MR];
        for (int ir = 0; ir < mc; ir += MR) {
            int panel = ir * kc, rows = Math.min(MR, mc - ir);
            if (rows == MR && !trans) {
                for (int r = 0; r < MR; r++) src[r] = off + (i0 + ir + r) * lda + p0;
                rowsToPanel(a, src, kc, st, panel);
            } else if (rows == MR) {
                // A stored (k, m): each p is MR consecutive floats; one 8-lane copy per p, the last two lanes
                // overwritten by the next p
                int s = off + p0 * lda + i0 + ir, p = 0, d = panel;
                for (int safe = a.length - L; p < kc && s <= safe; p++, s += lda, d += MR) {
                    FloatVector.fromArray(S, a, s).intoArray(st, d);
                }
                for (; p < kc; p++, s += lda, d += MR) {
                    for (int r = 0; r < MR; r++) st[d + r] = a[s + r];
                }
            } else {
                for (int p = 0, d = panel; p < kc; p++) {
                    for (int r = 0; r < MR; r++, d++) {
                        int i = i0 + ir + r;
                        st[d] = r >= rows ? 0f : trans ? a[off + (p0 + p) * lda + i] : a[off + i * lda + p0 + p];
                    }
                }
            }
        }
        MemorySegment.copy(st, 0, dst, F, 0, size);
    }

    @Override
    void packABatched(float[] a, int off, int lda, int len, int stride, int i0, int mc, int p0, int kc, MemorySegment dst) {
        if (!T8 || MR != 6) {
            super.packABatched(a, off, lda, len, stride, i0, mc, p0, kc, dst);
            return;
        }
        int size = roundUp(mc, MR) * kc;
        float[] st = Workspace.get().stage(size + L);
        int[] src = new int[MR];
        for (int ir = 0; ir < mc; ir += MR) {
            int panel = ir * kc, rows = Math.min(MR, mc - ir);
            int p = 0;
            while (p < kc) {
                int q = p0 + p, item = q / len, at = q % len, run = Math.min(kc - p, len - at);
                for (int r = 0; r < MR; r++) src[r] = off + item * stride + (i0 + ir + Math.min(r, rows - 1)) * lda + at;
                rowsToPanel(a, src, run, st, panel + p * MR);
                if (rows < MR) {
                    // a partial panel read its last row again for the missing ones: those lanes must be zero
                    for (int t = 0, d = panel + p * MR; t < run; t++, d += MR) {
                        for (int r = rows; r < MR; r++) st[d + r] = 0f;
                    }
                }
                p += run;
            }
        }
        MemorySegment.copy(st, 0, dst, F, 0, size);
    }

    @Override
    void packB(float[] b, int off, int ldb, boolean trans, int p0, int kc, int j0, int nc, MemorySegment dst) {
        if (!trans) {
            packBRows(b, off, ldb, p0, kc, j0, nc, dst);
            return;
        }
        if (!T8) {
            super.packB(b, off, ldb, true, p0, kc, j0, nc, dst);
            return;
        }
        // B stored (n, k): NR rows of B, each contiguous in p, transposed into one panel
        float[] st = Workspace.get().stage(NR * kc);
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            for (int h = 0; h < NR; h += L8) {
                int live = Math.max(0, Math.min(L8, cols - h));
                if (live == L8) {
                    int s = off + (j0 + jr + h) * ldb + p0, p = 0;
                    for (; p + L8 <= kc; p += L8, s += L8) {
                        transpose8(b, s, s + ldb, s + 2 * ldb, s + 3 * ldb, s + 4 * ldb, s + 5 * ldb, s + 6 * ldb,
                                s + 7 * ldb, st, p * NR + h, NR);
                    }
                    for (int l = 0; l < L8; l++) strided(b, s + l * ldb, kc - p, st, p * NR + h + l, NR);
                } else {
                    for (int l = 0; l < L8; l++) {
                        if (l < live) strided(b, off + (j0 + jr + h + l) * ldb + p0, kc, st, h + l, NR);
                        else zeros(kc, st, h + l, NR);
                    }
                }
            }
            MemorySegment.copy(st, 0, dst, F, (long) jr * kc * 4, NR * kc);
        }
    }

    /**
     * B stored (k, n): each panel row is NR consecutive floats of a row of B. Row by row, each row's run of nc
     * floats read in order into every panel: a pointwise convolution's B is its input, rows an image plane
     * apart (12.5 KB at 56x56), and reading one panel's 16 floats from each of kc rows in turn left the
     * prefetcher nothing to follow. A last narrow panel (the 1x1 convolutions of 14x14 and 7x7 images leave 4
     * and 1 columns) takes masked loads, which leave the columns past the matrix zero.
     */
    private void packBRows(float[] b, int off, int ldb, int p0, int kc, int j0, int nc, MemorySegment dst) {
        int full = nc / NR * NR, rest = nc - full;
        long panelBytes = 4L * kc * NR;
        VectorMask<Float> low = S.indexInRange(0, rest), high = S.indexInRange(L, rest);
        for (int p = 0, src = off + p0 * ldb + j0; p < kc; p++, src += ldb) {
            long d = 4L * p * NR;
            for (int jr = 0; jr < full; jr += NR, d += panelBytes) copyRow(b, src + jr, dst, d);
            if (rest > 0) {
                FloatVector.fromArray(S, b, src + full, low).intoMemorySegment(dst, d, NO);
                FloatVector.fromArray(S, b, src + full + L, high).intoMemorySegment(dst, d + 4L * L, NO);
            }
        }
    }

    /** st[d + t*step] = x[s + t] for t in [0, cnt). */
    private static void strided(float[] x, int s, int cnt, float[] st, int d, int step) {
        for (int t = 0; t < cnt; t++) st[d + t * step] = x[s + t];
    }

    private static void zeros(int cnt, float[] st, int d, int step) {
        for (int t = 0; t < cnt; t++) st[d + t * step] = 0f;
    }

    @Override
    void packBIm2colT(float[] x, int xBase, int imageStride, ConvGeometry g, int p0, int kc, int j0, int nc,
                      MemorySegment dst) {
        final int sw = g.strideW();
        if (!T8 || sw > 2) {
            super.packBIm2colT(x, xBase, imageStride, g, p0, kc, j0, nc, dst);
            return;
        }
        final int hIn = g.h(), wIn = g.w(), ow = g.outW(), ohw = g.outH() * ow, kW = g.kW(), khw = g.kH() * kW;
        final int sh = g.strideH(), plane = hIn * wIn;
        // a 1x1, stride-1, unpadded kernel reads each image's planes as they are: a run may cross output rows
        final boolean flat = khw == 1 && sh == 1 && sw == 1 && g.padH() == 0 && g.padW() == 0 && ow == wIn
                && g.outH() == hIn;
        float[] st = Workspace.get().stage(NR * kc);
        int[] chan = new int[NR], yOff = new int[NR], xOff = new int[NR], src = new int[NR];
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            for (int l = 0; l < cols; l++) {
                int j = j0 + jr + l, rem = j % khw;
                chan[l] = (j / khw) * plane;
                yOff[l] = (rem / kW) * g.dilationH() - g.padH();
                xOff[l] = (rem % kW) * g.dilationW() - g.padW();
            }
            int pp = 0;
            while (pp < kc) {
                int q = p0 + pp, image = q / ohw, pix = q % ohw, oy = pix / ow, ox = pix % ow;
                int len = Math.min(kc - pp, flat ? ohw - pix : ow - ox);
                int img = xBase + image * imageStride;
                for (int h = 0; h < NR; h += L8) {
                    int live = Math.max(0, Math.min(L8, cols - h));
                    // [lo, hi): the part of the run where all 8 columns read inside the image
                    int lo = 0, hi = live == L8 ? len : 0;
                    for (int l = h; l < h + live; l++) {
                        int iy = oy * sh + yOff[l], ix0 = ox * sw + xOff[l];
                        if (flat) {
                            src[l] = img + chan[l] + pix;
                        } else if (iy < 0 || iy >= hIn) {
                            hi = 0;
                        } else {
                            src[l] = img + chan[l] + iy * wIn + ix0;
                            // t is inside when 0 <= ix0 + sw*t < wIn
                            if (ix0 < 0) lo = Math.max(lo, (-ix0 + sw - 1) / sw);
                            hi = Math.min(hi, (wIn - ix0 + sw - 1) / sw);
                            // a stride-2 row load reads 16 floats: stay inside the array
                            if (sw == 2) hi = Math.min(hi, Math.floorDiv(x.length - src[l] - 2 * L8, 2) + L8);
                        }
                    }
                    int t = lo;
                    if (hi - lo >= L8) {
                        for (; t + L8 <= hi; t += L8) {
                            int o = sw * t;
                            transpose8(x, sw, src[h] + o, src[h + 1] + o, src[h + 2] + o, src[h + 3] + o, src[h + 4] + o,
                                    src[h + 5] + o, src[h + 6] + o, src[h + 7] + o, st, (pp + t) * NR + h, NR);
                        }
                    } else {
                        t = lo = 0;
                    }
                    // what the blocks did not cover, [0, lo) and [t, len), element by element
                    for (int l = h; l < h + L8; l++) {
                        int d = pp * NR + l;
                        if (l >= h + live) {
                            zeros(len, st, d, NR);
                        } else if (flat) {
                            strided(x, src[l], lo, st, d, NR);
                            strided(x, src[l] + t, len - t, st, d + t * NR, NR);
                        } else {
                            int iy = oy * sh + yOff[l], ix0 = ox * sw + xOff[l], base = img + chan[l];
                            gatherRun(x, base, iy, ix0, sw, hIn, wIn, lo, st, d, NR);
                            gatherRun(x, base, iy, ix0 + sw * t, sw, hIn, wIn, len - t, st, d + t * NR, NR);
                        }
                    }
                }
                pp += len;
            }
            MemorySegment.copy(st, 0, dst, F, (long) jr * kc * 4, NR * kc);
        }
    }

    @Override
    void toChannelsLast(float[] src, int base, int c, int h, int w, int ph, int pw, float[] dst, int dstBase) {
        if (!T8) {
            super.toChannelsLast(src, base, c, h, w, ph, pw, dst, dstBase);
            return;
        }
        zeroChannelsLastBorder(c, h, w, ph, pw, dst, dstBase);
        int wp = w + 2 * pw, c8 = c / L8 * L8, w8 = w / L8 * L8, plane = h * w;
        // channel blocks outermost: each of the 8 planes read is one sequential stream over the whole plane, which
        // the prefetchers follow (row by row across all channel blocks, the streams restart every row). The weight
        // gradients of ResNet-20's 32- and 64-channel layers: +5% and +4% (median of 40 alternations), 16: +0%.
        for (int ci = 0; ci < c8; ci += L8) {
            for (int iy = 0; iy < h; iy++) {
                // 8 channels x 8 pixels of row iy, transposed into 8 pixels x 8 channels
                int s = base + ci * plane + iy * w, d = dstBase + ((iy + ph) * wp + pw) * c + ci;
                for (int ix = 0; ix < w8; ix += L8) {
                    transpose8(src, s + ix, s + plane + ix, s + 2 * plane + ix, s + 3 * plane + ix, s + 4 * plane + ix,
                            s + 5 * plane + ix, s + 6 * plane + ix, s + 7 * plane + ix, dst, d + ix * c, c);
                }
            }
        }
        toChannelsLastPart(src, base, c, h, w, ph, pw, dst, dstBase, 0, c8, w8, w);
        toChannelsLastPart(src, base, c, h, w, ph, pw, dst, dstBase, c8, c, 0, w);
    }

    @Override
    void packAChannelsLastTaps(float[] xT, int hp, int wp, ConvGeometry g, int i0, int mc, int p0, int kc,
                               MemorySegment dst) {
        int c = g.cIn(), size = roundUp(mc, MR) * kc;
        if (dst.byteSize() < 4L * (size + L)) {
            // the 8-lane copies below write up to L floats past the block (GemmDriver's buffers have that slack)
            super.packAChannelsLastTaps(xT, hp, wp, g, i0, mc, p0, kc, dst);
            return;
        }
        int[] pixel = pixelOffsets(g, hp, wp, p0, kc);
        int[] runRow = new int[MR], runSrc = new int[MR];
        final int safe = xT.length - L;
        final long col = 4L * MR;
        for (int ir = 0; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir), runs = 0;
            // the panel's rows in runs that share a tap: consecutive channels of one pixel
            for (int r = 0; r < rows; runs++) {
                int i = i0 + ir + r;
                runRow[runs] = r;
                runSrc[runs] = tapOffset(g, wp, i / c) + i % c;
                r += Math.min(rows - r, c - i % c);
            }
            // per column one 8-lane copy per run, in row order: the lanes past a run land on the rows of the next
            // run or of the next column, which are written after them
            int p = 0;
            long d = 4L * ir * kc;
            if (runs == 1 && rows == MR) {
                for (int src = runSrc[0]; p < kc && pixel[p] + src <= safe; p++, d += col) {
                    FloatVector.fromArray(S, xT, pixel[p] + src).intoMemorySegment(dst, d, NO);
                }
            } else if (runs == 2 && rows == MR) {
                // a panel across two taps (channel counts that are not a multiple of 6)
                int src0 = runSrc[0], src1 = runSrc[1];
                long at1 = 4L * runRow[1];
                for (; p < kc && pixel[p] + Math.max(src0, src1) <= safe; p++, d += col) {
                    FloatVector.fromArray(S, xT, pixel[p] + src0).intoMemorySegment(dst, d, NO);
                    FloatVector.fromArray(S, xT, pixel[p] + src1).intoMemorySegment(dst, d + at1, NO);
                }
            }
            for (; p < kc; p++, d += col) {
                for (int k = 0; k < runs; k++) {
                    int src = pixel[p] + runSrc[k];
                    long at = d + 4L * runRow[k];
                    if (src <= safe) {
                        FloatVector.fromArray(S, xT, src).intoMemorySegment(dst, at, NO);
                    } else {
                        int end = k + 1 < runs ? runRow[k + 1] : rows;
                        for (int z = 0; z < end - runRow[k]; z++) dst.set(F, at + 4L * z, xT[src + z]);
                    }
                }
                for (int z = rows; z < MR; z++) dst.set(F, d + 4L * z, 0f);
            }
        }
    }

    // ------------------------------------------------------------------ direct 3x3 convolution (see DirectConv)

    @Override
    int directBlock() {
        return 3 * L;
    }

    /**
     * A 4 x (3 vectors) block of output channels x positions in twelve accumulators (15 registers with the three
     * input vectors and the broadcast weight): per tap three loads of xp, four broadcasts and twelve multiply-adds,
     * the ratio of the GEMM micro-kernel, with xp read in place instead of packed. (Tried with 32 registers: 8 channels
     * x 3 vectors ran at 0.66 of this, 4 x 6 vectors with the taps in a loop at 0.2: spilled.)
     */
    @Override
    void direct3x3(MemorySegment xp, long q, long plane, long wp, int cIn, MemorySegment w4, long wAt,
                   float[] out, int outAt, int outStride) {
        final long V1 = 4L * L, V2 = 8L * L, pb = 4 * plane, rb = 4 * wp;
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z, a02 = z, a10 = z, a11 = z, a12 = z, a20 = z, a21 = z, a22 = z, a30 = z, a31 = z, a32 = z;
        FloatVector x0, x1, x2, w;
        long wb = 4 * wAt, xb = 4 * q;
        for (int ci = 0; ci < cIn; ci++, xb += pb) {
            for (long r = xb, end = xb + 3 * rb; r < end; r += rb, wb += 48) {
                x0 = FloatVector.fromMemorySegment(S, xp, r, NO);
                x1 = FloatVector.fromMemorySegment(S, xp, r + V1, NO);
                x2 = FloatVector.fromMemorySegment(S, xp, r + V2, NO);
                w = FloatVector.broadcast(S, w4.get(F, wb));
                a00 = w.fma(x0, a00);
                a01 = w.fma(x1, a01);
                a02 = w.fma(x2, a02);
                w = FloatVector.broadcast(S, w4.get(F, wb + 4));
                a10 = w.fma(x0, a10);
                a11 = w.fma(x1, a11);
                a12 = w.fma(x2, a12);
                w = FloatVector.broadcast(S, w4.get(F, wb + 8));
                a20 = w.fma(x0, a20);
                a21 = w.fma(x1, a21);
                a22 = w.fma(x2, a22);
                w = FloatVector.broadcast(S, w4.get(F, wb + 12));
                a30 = w.fma(x0, a30);
                a31 = w.fma(x1, a31);
                a32 = w.fma(x2, a32);
                x0 = FloatVector.fromMemorySegment(S, xp, r + 4, NO);
                x1 = FloatVector.fromMemorySegment(S, xp, r + 4 + V1, NO);
                x2 = FloatVector.fromMemorySegment(S, xp, r + 4 + V2, NO);
                w = FloatVector.broadcast(S, w4.get(F, wb + 16));
                a00 = w.fma(x0, a00);
                a01 = w.fma(x1, a01);
                a02 = w.fma(x2, a02);
                w = FloatVector.broadcast(S, w4.get(F, wb + 20));
                a10 = w.fma(x0, a10);
                a11 = w.fma(x1, a11);
                a12 = w.fma(x2, a12);
                w = FloatVector.broadcast(S, w4.get(F, wb + 24));
                a20 = w.fma(x0, a20);
                a21 = w.fma(x1, a21);
                a22 = w.fma(x2, a22);
                w = FloatVector.broadcast(S, w4.get(F, wb + 28));
                a30 = w.fma(x0, a30);
                a31 = w.fma(x1, a31);
                a32 = w.fma(x2, a32);
                x0 = FloatVector.fromMemorySegment(S, xp, r + 8, NO);
                x1 = FloatVector.fromMemorySegment(S, xp, r + 8 + V1, NO);
                x2 = FloatVector.fromMemorySegment(S, xp, r + 8 + V2, NO);
                w = FloatVector.broadcast(S, w4.get(F, wb + 32));
                a00 = w.fma(x0, a00);
                a01 = w.fma(x1, a01);
                a02 = w.fma(x2, a02);
                w = FloatVector.broadcast(S, w4.get(F, wb + 36));
                a10 = w.fma(x0, a10);
                a11 = w.fma(x1, a11);
                a12 = w.fma(x2, a12);
                w = FloatVector.broadcast(S, w4.get(F, wb + 40));
                a20 = w.fma(x0, a20);
                a21 = w.fma(x1, a21);
                a22 = w.fma(x2, a22);
                w = FloatVector.broadcast(S, w4.get(F, wb + 44));
                a30 = w.fma(x0, a30);
                a31 = w.fma(x1, a31);
                a32 = w.fma(x2, a32);
            }
        }
        a00.intoArray(out, outAt);
        a01.intoArray(out, outAt + L);
        a02.intoArray(out, outAt + 2 * L);
        a10.intoArray(out, outAt + outStride);
        a11.intoArray(out, outAt + outStride + L);
        a12.intoArray(out, outAt + outStride + 2 * L);
        a20.intoArray(out, outAt + 2 * outStride);
        a21.intoArray(out, outAt + 2 * outStride + L);
        a22.intoArray(out, outAt + 2 * outStride + 2 * L);
        a30.intoArray(out, outAt + 3 * outStride);
        a31.intoArray(out, outAt + 3 * outStride + L);
        a32.intoArray(out, outAt + 3 * outStride + 2 * L);
    }

    /**
     * By whole vectors, the tail by one more vector that ends at the row's end and so rewrites a few floats with the
     * values they already hold; rows narrower than a vector element by element. (Masked loads and stores of the tail
     * measured four times slower for the whole convolution: they did not compile to vector code. The tail element by
     * element was 29% of the 16-channel 28x28 weight gradient's JFR samples: 12 of each row's 28 floats with 16 lanes.
     * Narrow rows by 256- and 128-bit species as well measured fast alone but made whole models 2-4 times slower in
     * bench/two_builds.sh, so they stay element by element.)
     */
    @Override
    void padRow(float[] x, int src, int w, int pw, MemorySegment dst, long at) {
        for (int i = 1; i <= pw; i++) {
            dst.set(F, 4 * (at - i), 0f);
            dst.set(F, 4 * (at + w - 1 + i), 0f);
        }
        int i = 0;
        for (; i + L <= w; i += L) FloatVector.fromArray(S, x, src + i).intoMemorySegment(dst, 4 * (at + i), NO);
        if (i < w && w >= L) FloatVector.fromArray(S, x, src + w - L).intoMemorySegment(dst, 4 * (at + w - L), NO);
        else for (; i < w; i++) dst.set(F, 4 * (at + i), x[src + i]);
    }

    /** Rows of at least a vector by whole vectors, the tail as one more vector ending at the row's end (see padRow). */
    @Override
    void unpadRows(float[] src, int s, int srcStride, float[] dst, int d, int w, int rows) {
        if (w < L) {
            super.unpadRows(src, s, srcStride, dst, d, w, rows);
            return;
        }
        for (int r = 0; r < rows; r++, s += srcStride, d += w) {
            int i = 0;
            for (; i + L <= w; i += L) FloatVector.fromArray(S, src, s + i).intoArray(dst, d + i);
            if (i < w) FloatVector.fromArray(S, src, s + w - L).intoArray(dst, d + w - L);
        }
    }

    @Override
    void channelsLastWeightRows(float[] xT, int xOff, int xRowStep, int xColStep, float[] dyT, int dyOff, int dyPixelStep,
                                int oh, int ow, float[] sums, int sOff, int sRowStep) {
        VectorWeightRows.rows12(xT, xOff, xRowStep, xColStep, dyT, dyOff, dyPixelStep, oh, ow, sums, sOff, sRowStep);
    }

    @Override
    int directLanes() {
        return L;
    }

    /** out[at, at + L) += v: a weight kernel's sums into the partial sums, after its loop. */
    private static void addInto(float[] out, int at, FloatVector v) {
        FloatVector.fromArray(S, out, at).add(v).intoArray(out, at);
    }

    @Override
    void direct3x3WeightRow(MemorySegment dyp, long dyAt, long dyStride, MemorySegment xp, long xAt, long n,
                            float[] out, int outAt) {
        FloatVector z = FloatVector.zero(S);
        FloatVector g00 = z, g01 = z, g02 = z;
        FloatVector g10 = z, g11 = z, g12 = z;
        FloatVector g20 = z, g21 = z, g22 = z;
        FloatVector g30 = z, g31 = z, g32 = z;
        final long ds = 4 * dyStride;
        final long x0At = 4 * xAt, d0At = 4 * dyAt;
        // offsets linear in an int counter, as in the GEMM tiles (see tile), so that C2 can drop the segment checks of
        // both operands
        for (int i = 0, steps = (int) ((n + L - 1) / L); i < steps; i++) {
            long x = x0At + i * (4L * L), d = d0At + i * (4L * L);
            FloatVector x0 = FloatVector.fromMemorySegment(S, xp, x, NO);
            FloatVector x1 = FloatVector.fromMemorySegment(S, xp, x + 4, NO);
            FloatVector x2 = FloatVector.fromMemorySegment(S, xp, x + 8, NO);
            FloatVector y0 = FloatVector.fromMemorySegment(S, dyp, d, NO);
            g00 = y0.fma(x0, g00);
            g01 = y0.fma(x1, g01);
            g02 = y0.fma(x2, g02);
            FloatVector y1 = FloatVector.fromMemorySegment(S, dyp, d + ds, NO);
            g10 = y1.fma(x0, g10);
            g11 = y1.fma(x1, g11);
            g12 = y1.fma(x2, g12);
            FloatVector y2 = FloatVector.fromMemorySegment(S, dyp, d + 2 * ds, NO);
            g20 = y2.fma(x0, g20);
            g21 = y2.fma(x1, g21);
            g22 = y2.fma(x2, g22);
            FloatVector y3 = FloatVector.fromMemorySegment(S, dyp, d + 3 * ds, NO);
            g30 = y3.fma(x0, g30);
            g31 = y3.fma(x1, g31);
            g32 = y3.fma(x2, g32);
        }
        addInto(out, outAt, g00);
        addInto(out, outAt + L, g01);
        addInto(out, outAt + 2 * L, g02);
        addInto(out, outAt + 3 * L, g10);
        addInto(out, outAt + 4 * L, g11);
        addInto(out, outAt + 5 * L, g12);
        addInto(out, outAt + 6 * L, g20);
        addInto(out, outAt + 7 * L, g21);
        addInto(out, outAt + 8 * L, g22);
        addInto(out, outAt + 9 * L, g30);
        addInto(out, outAt + 10 * L, g31);
        addInto(out, outAt + 11 * L, g32);
    }

    /**
     * With 32 vector registers (AVX-512), the two kernel rows in 24 accumulators: each dy vector feeds six
     * multiply-adds instead of three (10 loads per 24 instead of 7 per 12). With 16 registers they would spill.
     */
    @Override
    void direct3x3WeightRows2(MemorySegment dyp, long dyAt, long dyStride, MemorySegment xp, long xAt, long wp, long n,
                              float[] out, int outAt) {
        if (L < 16) {
            super.direct3x3WeightRows2(dyp, dyAt, dyStride, xp, xAt, wp, n, out, outAt);
            return;
        }
        FloatVector z = FloatVector.zero(S);
        FloatVector h000 = z, h001 = z, h002 = z;
        FloatVector h010 = z, h011 = z, h012 = z;
        FloatVector h020 = z, h021 = z, h022 = z;
        FloatVector h030 = z, h031 = z, h032 = z;
        FloatVector h100 = z, h101 = z, h102 = z;
        FloatVector h110 = z, h111 = z, h112 = z;
        FloatVector h120 = z, h121 = z, h122 = z;
        FloatVector h130 = z, h131 = z, h132 = z;
        final long ds = 4 * dyStride, rb = 4 * wp;
        final long x0At = 4 * xAt, d0At = 4 * dyAt;
        // offsets linear in an int counter, as in the GEMM tiles (see tile), so that C2 can drop the segment checks of
        // both operands
        for (int i = 0, steps = (int) ((n + L - 1) / L); i < steps; i++) {
            long x = x0At + i * (4L * L), d = d0At + i * (4L * L);
            FloatVector x0 = FloatVector.fromMemorySegment(S, xp, x, NO);
            FloatVector x1 = FloatVector.fromMemorySegment(S, xp, x + 4, NO);
            FloatVector x2 = FloatVector.fromMemorySegment(S, xp, x + 8, NO);
            FloatVector y0 = FloatVector.fromMemorySegment(S, dyp, d, NO);
            FloatVector y1 = FloatVector.fromMemorySegment(S, dyp, d + ds, NO);
            FloatVector y2 = FloatVector.fromMemorySegment(S, dyp, d + 2 * ds, NO);
            FloatVector y3 = FloatVector.fromMemorySegment(S, dyp, d + 3 * ds, NO);
            h000 = y0.fma(x0, h000);
            h001 = y0.fma(x1, h001);
            h002 = y0.fma(x2, h002);
            h010 = y1.fma(x0, h010);
            h011 = y1.fma(x1, h011);
            h012 = y1.fma(x2, h012);
            h020 = y2.fma(x0, h020);
            h021 = y2.fma(x1, h021);
            h022 = y2.fma(x2, h022);
            h030 = y3.fma(x0, h030);
            h031 = y3.fma(x1, h031);
            h032 = y3.fma(x2, h032);
            x0 = FloatVector.fromMemorySegment(S, xp, x + rb, NO);
            x1 = FloatVector.fromMemorySegment(S, xp, x + rb + 4, NO);
            x2 = FloatVector.fromMemorySegment(S, xp, x + rb + 8, NO);
            h100 = y0.fma(x0, h100);
            h101 = y0.fma(x1, h101);
            h102 = y0.fma(x2, h102);
            h110 = y1.fma(x0, h110);
            h111 = y1.fma(x1, h111);
            h112 = y1.fma(x2, h112);
            h120 = y2.fma(x0, h120);
            h121 = y2.fma(x1, h121);
            h122 = y2.fma(x2, h122);
            h130 = y3.fma(x0, h130);
            h131 = y3.fma(x1, h131);
            h132 = y3.fma(x2, h132);
        }
        addInto(out, outAt, h000);
        addInto(out, outAt + L, h001);
        addInto(out, outAt + 2 * L, h002);
        addInto(out, outAt + 3 * L, h010);
        addInto(out, outAt + 4 * L, h011);
        addInto(out, outAt + 5 * L, h012);
        addInto(out, outAt + 6 * L, h020);
        addInto(out, outAt + 7 * L, h021);
        addInto(out, outAt + 8 * L, h022);
        addInto(out, outAt + 9 * L, h030);
        addInto(out, outAt + 10 * L, h031);
        addInto(out, outAt + 11 * L, h032);
        addInto(out, outAt + 12 * L, h100);
        addInto(out, outAt + 13 * L, h101);
        addInto(out, outAt + 14 * L, h102);
        addInto(out, outAt + 15 * L, h110);
        addInto(out, outAt + 16 * L, h111);
        addInto(out, outAt + 17 * L, h112);
        addInto(out, outAt + 18 * L, h120);
        addInto(out, outAt + 19 * L, h121);
        addInto(out, outAt + 20 * L, h122);
        addInto(out, outAt + 21 * L, h130);
        addInto(out, outAt + 22 * L, h131);
        addInto(out, outAt + 23 * L, h132);
    }

    // ------------------------------------------------------------------ GEMM

    @Override
    void macro(int mc, int nc, int kc, MemorySegment a, MemorySegment b, float[] c, int offC, int ldc,
               float alpha, float beta, boolean first) {
        float[] acc = new float[MR * 2 * NR];
        FloatVector va = FloatVector.broadcast(S, alpha), vb = FloatVector.broadcast(S, first ? beta : 1f);
        boolean pairs = PAIRS && pairsPay(alpha, beta, first), add = !first || beta != 0f;
        for (int jr = 0; jr < nc; ) {
            // two full B panels side by side run as one 6 x (4 vectors) tile where there are registers for it
            boolean pair = pairs && jr + 2 * NR <= nc;
            for (int ir = 0; ir < mc; ir += MR) {
                if (pair && mc - ir >= MR) {
                    long ap = (long) ir * kc * 4, bp = (long) jr * kc * 4, bp2 = (long) (jr + NR) * kc * 4;
                    int ci = offC + ir * ldc + jr;
                    if (add) {
                        // C += A*B: through a scratch tile, each element acc + c rounded once (the update rule's
                        // acc * 1 + c * 1); added in the kernel itself, the adds ran as calls on boxed vectors
                        tilePair(kc, a, ap, b, bp, bp2, acc, 0, 2 * NR);
                        addTile(acc, 2 * NR, c, ci, ldc);
                    } else {
                        tilePair(kc, a, ap, b, bp, bp2, c, ci, ldc);
                    }
                    continue;
                }
                panelTile(mc, nc, kc, a, b, c, offC, ldc, alpha, beta, first, va, vb, acc, jr, ir);
                if (pair) panelTile(mc, nc, kc, a, b, c, offC, ldc, alpha, beta, first, va, vb, acc, jr + NR, ir);
            }
            jr += pair ? 2 * NR : NR;
        }
    }

    /** With 32 vector registers (AVX-512) {@link #tilePair}'s 24 accumulators fit; with 16 they would spill. */
    private static final boolean PAIRS = L >= 16;

    /**
     * Whether full tiles run in pairs: C = A*B (alpha 1, the first K block, beta 0), straight from the registers, or
     * C += A*B (alpha 1 and C taken as it is: a later K block, or beta 1), the pair's sums then added to C.
     */
    private static boolean pairsPay(float alpha, float beta, boolean first) {
        return alpha == 1f && (!first || beta == 0f || beta == 1f);
    }

    /** c's MR rows of width floats at ci (row stride ldc) += tile's (row stride width). */
    private static void addTile(float[] tile, int width, float[] c, int ci, int ldc) {
        for (int r = 0; r < MR; r++, ci += ldc) {
            for (int l = 0; l < width; l += L) {
                FloatVector.fromArray(S, tile, r * width + l).add(FloatVector.fromArray(S, c, ci + l)).intoArray(c, ci + l);
            }
        }
    }

    /** The tile of C at B panel jr and A panel ir: C = alpha A*B + beta C, partial tiles through acc. */
    private static void panelTile(int mc, int nc, int kc, MemorySegment a, MemorySegment b, float[] c, int offC, int ldc,
                                  float alpha, float beta, boolean first, FloatVector va, FloatVector vb, float[] acc,
                                  int jr, int ir) {
        boolean readC = !first || beta != 0f;
        long bp = (long) jr * kc * 4, ap = (long) ir * kc * 4;
        int cols = Math.min(NR, nc - jr), rows = Math.min(MR, mc - ir);
        int ci = offC + ir * ldc + jr;
        if (cols == NR && rows == MR && alpha == 1f && first && beta == 0f) {
            // a full tile of C = A*B (the common case): straight from the accumulator registers into C
            tile(kc, a, ap, b, bp, c, ci, ldc);
            return;
        }
        // otherwise through acc; a last panel of at most 4 rows (ResNet-20's 16 and 64 channels leave 4, its
        // 32 leave 2) skips the two rows that are only padding, one of at most L columns the half that is
        if (cols <= L) tileHalf(kc, a, ap, b, bp, acc);
        else if (rows <= 4) tile4(kc, a, ap, b, bp, acc);
        else tile(kc, a, ap, b, bp, acc, 0, NR);
        if (cols == NR) {
            for (int r = 0; r < rows; r++, ci += ldc) {
                FloatVector x0 = FloatVector.fromArray(S, acc, r * NR);
                FloatVector x1 = FloatVector.fromArray(S, acc, r * NR + L);
                if (readC) {
                    x0 = x0.fma(va, FloatVector.fromArray(S, c, ci).mul(vb));
                    x1 = x1.fma(va, FloatVector.fromArray(S, c, ci + L).mul(vb));
                } else {
                    x0 = x0.mul(va);
                    x1 = x1.mul(va);
                }
                x0.intoArray(c, ci);
                x1.intoArray(c, ci + L);
            }
        } else {
            for (int r = 0; r < rows; r++, ci += ldc) {
                for (int l = 0; l < cols; l++) c[ci + l] = update(acc[r * NR + l], c, ci + l, alpha, beta, first);
            }
        }
    }

    /**
     * acc's first L columns (of MR x NR) = the packed A panel times the first half of the B panel: a last panel of
     * at most L columns (ResNet-50's 7x7 images leave one of 49) skips the half that is only padding.
     */
    private static void tileHalf(int kc, MemorySegment a, long ao, MemorySegment b, long bo, float[] acc) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            long aq = ao + p * (4L * MR), bq = bo + p * (4L * NR);
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bq, NO);
            c0 = FloatVector.broadcast(S, a.get(F, aq)).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a.get(F, aq + 4)).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a.get(F, aq + 8)).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a.get(F, aq + 12)).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a.get(F, aq + 16)).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a.get(F, aq + 20)).fma(b0, c5);
        }
        c0.intoArray(acc, 0);
        c1.intoArray(acc, NR);
        c2.intoArray(acc, 2 * NR);
        c3.intoArray(acc, 3 * NR);
        c4.intoArray(acc, 4 * NR);
        c5.intoArray(acc, 5 * NR);
    }

    /** acc rows 0..3 (of MR x NR) = the first four rows of the packed A panel (kc x MR) times the B panel. */
    private static void tile4(int kc, MemorySegment a, long ao, MemorySegment b, long bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            long aq = ao + p * (4L * MR), bq = bo + p * (4L * NR);
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bq, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bq + 4L * L, NO);
            FloatVector av = FloatVector.broadcast(S, a.get(F, aq));
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a.get(F, aq + 4));
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a.get(F, aq + 8));
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a.get(F, aq + 12));
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
        }
        c00.intoArray(acc, 0);
        c01.intoArray(acc, L);
        c10.intoArray(acc, NR);
        c11.intoArray(acc, NR + L);
        c20.intoArray(acc, 2 * NR);
        c21.intoArray(acc, 2 * NR + L);
        c30.intoArray(acc, 3 * NR);
        c31.intoArray(acc, 3 * NR + L);
    }

    /**
     * The MR x NR product of a packed A panel and a packed B panel into out (rows at at, at + stride, ...), all in
     * registers. The update rule (alpha, beta) is the caller's: with it in here this method grew past what C2
     * inlines, and the multiplies of its stores ran as calls on boxed vectors (6-10% of a ResNet-50 inference
     * in a profile).
     */
    private static void tile(int kc, MemorySegment a, long ao, MemorySegment b, long bo, float[] out, int at,
                                   int stride) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        // offsets linear in an int counter: C2 then drops the per-access segment checks of both panels (with long
        // induction variables it kept B's; a standalone copy of tilePair in L1 ran at 143 against 160 GFLOP/s)
        for (int p = 0; p < kc; p++) {
            long aq = ao + p * (4L * MR), bq = bo + p * (4L * NR);
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bq, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bq + 4L * L, NO);
            FloatVector av = FloatVector.broadcast(S, a.get(F, aq));
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a.get(F, aq + 4));
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a.get(F, aq + 8));
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a.get(F, aq + 12));
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a.get(F, aq + 16));
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, a.get(F, aq + 20));
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
        }
        c00.intoArray(out, at);
        c01.intoArray(out, at + L);
        c10.intoArray(out, at + stride);
        c11.intoArray(out, at + stride + L);
        c20.intoArray(out, at + 2 * stride);
        c21.intoArray(out, at + 2 * stride + L);
        c30.intoArray(out, at + 3 * stride);
        c31.intoArray(out, at + 3 * stride + L);
        c40.intoArray(out, at + 4 * stride);
        c41.intoArray(out, at + 4 * stride + L);
        c50.intoArray(out, at + 5 * stride);
        c51.intoArray(out, at + 5 * stride + L);
    }

    /**
     * {@link #tile} for two B panels at once (bo and bo2, C's columns [at, at + NR) and [at + NR, at + 2 NR)): each
     * broadcast of A feeds four multiply-adds instead of two, in 24 accumulators. Each element sums over k in the same
     * order as in {@link #tile}, so C has the same bits.
     */
    private static void tilePair(int kc, MemorySegment a, long ao, MemorySegment b, long bo, long bo2, float[] out, int at,
                                 int stride) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S), c43 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S), c53 = FloatVector.zero(S);
        long toSecond = bo2 - bo;
        for (int p = 0; p < kc; p++) {
            long aq = ao + p * (4L * MR), bq = bo + p * (4L * NR), bq2 = bq + toSecond;
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bq, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bq + 4L * L, NO);
            FloatVector b2 = FloatVector.fromMemorySegment(S, b, bq2, NO);
            FloatVector b3 = FloatVector.fromMemorySegment(S, b, bq2 + 4L * L, NO);
            FloatVector av = FloatVector.broadcast(S, a.get(F, aq));
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            c02 = av.fma(b2, c02);
            c03 = av.fma(b3, c03);
            av = FloatVector.broadcast(S, a.get(F, aq + 4));
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            c12 = av.fma(b2, c12);
            c13 = av.fma(b3, c13);
            av = FloatVector.broadcast(S, a.get(F, aq + 8));
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            c22 = av.fma(b2, c22);
            c23 = av.fma(b3, c23);
            av = FloatVector.broadcast(S, a.get(F, aq + 12));
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            c32 = av.fma(b2, c32);
            c33 = av.fma(b3, c33);
            av = FloatVector.broadcast(S, a.get(F, aq + 16));
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            c42 = av.fma(b2, c42);
            c43 = av.fma(b3, c43);
            av = FloatVector.broadcast(S, a.get(F, aq + 20));
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            c52 = av.fma(b2, c52);
            c53 = av.fma(b3, c53);
        }
        c00.intoArray(out, at);
        c01.intoArray(out, at + L);
        c02.intoArray(out, at + NR);
        c03.intoArray(out, at + NR + L);
        c10.intoArray(out, at + stride);
        c11.intoArray(out, at + stride + L);
        c12.intoArray(out, at + stride + NR);
        c13.intoArray(out, at + stride + NR + L);
        c20.intoArray(out, at + 2 * stride);
        c21.intoArray(out, at + 2 * stride + L);
        c22.intoArray(out, at + 2 * stride + NR);
        c23.intoArray(out, at + 2 * stride + NR + L);
        c30.intoArray(out, at + 3 * stride);
        c31.intoArray(out, at + 3 * stride + L);
        c32.intoArray(out, at + 3 * stride + NR);
        c33.intoArray(out, at + 3 * stride + NR + L);
        c40.intoArray(out, at + 4 * stride);
        c41.intoArray(out, at + 4 * stride + L);
        c42.intoArray(out, at + 4 * stride + NR);
        c43.intoArray(out, at + 4 * stride + NR + L);
        c50.intoArray(out, at + 5 * stride);
        c51.intoArray(out, at + 5 * stride + L);
        c52.intoArray(out, at + 5 * stride + NR);
        c53.intoArray(out, at + 5 * stride + NR + L);
    }

    // ------------------------------------------------------------------ element-wise

    @Override
    void winogradInput(float[] r, int plane, int span, float[] v, int out, int stride, int from, int to) {
        final int ee = 0, eo = plane, oe = 2 * plane, oo = 3 * plane;
        int p = from;
        for (int up = from + S.loopBound(to - from); p < up; p += L) {
            // the same sums in the same order as the scalar twin, L positions at a time
            int q = p + span;
            FloatVector e = lanes(r, ee + p), e1 = lanes(r, ee + p + 1), o = lanes(r, eo + p), o1 = lanes(r, eo + p + 1);
            FloatVector a0 = e.sub(e1), a1 = o.add(e1), a2 = e1.sub(o), a3 = o.sub(o1);
            e = lanes(r, oe + p); e1 = lanes(r, oe + p + 1); o = lanes(r, oo + p); o1 = lanes(r, oo + p + 1);
            FloatVector b0 = e.sub(e1), b1 = o.add(e1), b2 = e1.sub(o), b3 = o.sub(o1);
            e = lanes(r, ee + q); e1 = lanes(r, ee + q + 1); o = lanes(r, eo + q); o1 = lanes(r, eo + q + 1);
            FloatVector c0 = e.sub(e1), c1 = o.add(e1), c2 = e1.sub(o), c3 = o.sub(o1);
            int at = out + p;
            a0.sub(c0).intoArray(v, at);
            a1.sub(c1).intoArray(v, at + stride);
            a2.sub(c2).intoArray(v, at + 2 * stride);
            a3.sub(c3).intoArray(v, at + 3 * stride);
            b0.add(c0).intoArray(v, at + 4 * stride);
            b1.add(c1).intoArray(v, at + 5 * stride);
            b2.add(c2).intoArray(v, at + 6 * stride);
            b3.add(c3).intoArray(v, at + 7 * stride);
            c0.sub(b0).intoArray(v, at + 8 * stride);
            c1.sub(b1).intoArray(v, at + 9 * stride);
            c2.sub(b2).intoArray(v, at + 10 * stride);
            c3.sub(b3).intoArray(v, at + 11 * stride);
            e = lanes(r, oe + q); e1 = lanes(r, oe + q + 1); o = lanes(r, oo + q); o1 = lanes(r, oo + q + 1);
            b0.sub(e.sub(e1)).intoArray(v, at + 12 * stride);
            b1.sub(o.add(e1)).intoArray(v, at + 13 * stride);
            b2.sub(e1.sub(o)).intoArray(v, at + 14 * stride);
            b3.sub(o.sub(o1)).intoArray(v, at + 15 * stride);
        }
        super.winogradInput(r, plane, span, v, out, stride, p, to);
    }

    @Override
    void winogradOutput(float[] m, int at, int stride, int n, float b, float[] q, int from, int to) {
        int t = from;
        for (int up = from + S.loopBound(to - from); t < up; t += L) {
            // the same sums in the same order as the scalar twin, L tiles at a time
            int a = at + t;
            FloatVector s00 = lanes(m, a).add(lanes(m, a + 4 * stride)).add(lanes(m, a + 8 * stride));
            FloatVector s01 = lanes(m, a + stride).add(lanes(m, a + 5 * stride)).add(lanes(m, a + 9 * stride));
            FloatVector s02 = lanes(m, a + 2 * stride).add(lanes(m, a + 6 * stride)).add(lanes(m, a + 10 * stride));
            FloatVector s03 = lanes(m, a + 3 * stride).add(lanes(m, a + 7 * stride)).add(lanes(m, a + 11 * stride));
            FloatVector s10 = lanes(m, a + 4 * stride).sub(lanes(m, a + 8 * stride)).sub(lanes(m, a + 12 * stride));
            FloatVector s11 = lanes(m, a + 5 * stride).sub(lanes(m, a + 9 * stride)).sub(lanes(m, a + 13 * stride));
            FloatVector s12 = lanes(m, a + 6 * stride).sub(lanes(m, a + 10 * stride)).sub(lanes(m, a + 14 * stride));
            FloatVector s13 = lanes(m, a + 7 * stride).sub(lanes(m, a + 11 * stride)).sub(lanes(m, a + 15 * stride));
            s00.add(s01).add(s02).add(b).intoArray(q, t);
            s01.sub(s02).sub(s03).add(b).intoArray(q, n + t);
            s10.add(s11).add(s12).add(b).intoArray(q, 2 * n + t);
            s11.sub(s12).sub(s13).add(b).intoArray(q, 3 * n + t);
        }
        super.winogradOutput(m, at, stride, n, b, q, t, to);
    }

    @Override
    void winogradOutputGradient(float[] r, int plane, float[] m, int out, int stride, int from, int to) {
        int p = from;
        for (int up = from + S.loopBound(to - from); p < up; p += L) {
            // the same sums as the scalar twin, L positions at a time
            FloatVector e0 = lanes(r, p), o0 = lanes(r, plane + p), e1 = lanes(r, 2 * plane + p), o1 = lanes(r, 3 * plane + p);
            int at = out + p;
            gradientRow(e0, o0, m, at, stride);
            gradientRow(e0.add(e1), o0.add(o1), m, at + 4 * stride, stride);
            gradientRow(e0.sub(e1), o0.sub(o1), m, at + 8 * stride, stride);
            gradientRow(e1.neg(), o1.neg(), m, at + 12 * stride, stride);
        }
        super.winogradOutputGradient(r, plane, m, out, stride, p, to);
    }

    /** One row (r0, r1) of A dY times A^T: [r0, r0 + r1, r0 - r1, -r1] at m[at + j * stride]. */
    private static void gradientRow(FloatVector r0, FloatVector r1, float[] m, int at, int stride) {
        r0.intoArray(m, at);
        r0.add(r1).intoArray(m, at + stride);
        r0.sub(r1).intoArray(m, at + 2 * stride);
        r1.neg().intoArray(m, at + 3 * stride);
    }

    @Override
    void maxWindows(float[] x, int at, int sw, int kH, int kW, int rowStep, int dil, float[] y, int out, int n) {
        int t = 0;
        if (T8 && (sw == 1 || sw == 2) && dil == 1) {
            // the last read of a step: the window's last row and column, plus a vector (two at stride 2)
            int reach = (kH - 1) * rowStep + kW - 1 + sw * L8;
            for (; t + L8 <= n && at + t * sw + reach <= x.length; t += L8) {
                int s = at + t * sw;
                FloatVector best = row(x, s, sw);
                for (int ky = 0; ky < kH; ky++) {
                    for (int kx = ky == 0 ? 1 : 0; kx < kW; kx++) {
                        FloatVector v = row(x, s + ky * rowStep + kx, sw);
                        // the scalar twin's rule per lane: greater, or a first NaN
                        best = best.blend(v, v.compare(VectorOperators.GT, best)
                                .or(v.test(VectorOperators.IS_NAN).andNot(best.test(VectorOperators.IS_NAN))));
                    }
                }
                best.intoArray(y, out + t);
            }
        }
        super.maxWindows(x, at + t * sw, sw, kH, kW, rowStep, dil, y, out + t, n - t);
    }

    @Override
    void argmaxWindows(float[] x, int at, int sw, int kH, int kW, int rowStep, int dil, int[] idx, int out, int n) {
        int t = 0;
        if (T8 && (sw == 1 || sw == 2) && dil == 1) {
            int reach = (kH - 1) * rowStep + kW - 1 + sw * L8;
            // each lane's window start: at + (t + lane) * sw
            IntVector lanes = IntVector.fromArray(IS, LANE_INDEX, 0).mul(sw);
            for (; t + L8 <= n && at + t * sw + reach <= x.length; t += L8) {
                int s = at + t * sw;
                FloatVector best = row(x, s, sw);
                IntVector tap = IntVector.zero(IS);
                for (int ky = 0; ky < kH; ky++) {
                    for (int kx = ky == 0 ? 1 : 0; kx < kW; kx++) {
                        int off = ky * rowStep + kx;
                        FloatVector v = row(x, s + off, sw);
                        // maxWindows' rule per lane (greater, or a first NaN), carrying the tap along
                        VectorMask<Float> take = v.compare(VectorOperators.GT, best)
                                .or(v.test(VectorOperators.IS_NAN).andNot(best.test(VectorOperators.IS_NAN)));
                        best = best.blend(v, take);
                        tap = tap.blend(off, take.cast(IS));
                    }
                }
                tap.add(lanes).add(s).intoArray(idx, out + t);
            }
        }
        super.argmaxWindows(x, at + t * sw, sw, kH, kW, rowStep, dil, idx, out + t, n - t);
    }

    @Override
    void unzip(float[] x, int src, float[] dst, int even, int odd, int n) {
        int c = 0;
        if (T8) {
            for (int up = S8.loopBound(n); c < up; c += L8) {
                evens(x, src + 2 * c).intoArray(dst, even + c);
                odds(x, src + 2 * c).intoArray(dst, odd + c);
            }
        }
        super.unzip(x, src + 2 * c, dst, even + c, odd + c, n - c);
    }

    @Override
    void zip(float[] a, int ai, float[] b, int bi, float[] y, int at, int n) {
        int t = 0;
        if (T8) {
            for (int up = S8.loopBound(n); t < up; t += L8) {
                FloatVector va = FloatVector.fromArray(S8, a, ai + t), vb = FloatVector.fromArray(S8, b, bi + t);
                va.rearrange(LOW_PAIRS).blend(vb.rearrange(LOW_PAIRS), ODD1).intoArray(y, at + 2 * t);
                va.rearrange(HIGH_PAIRS).blend(vb.rearrange(HIGH_PAIRS), ODD1).intoArray(y, at + 2 * t + L8);
            }
        }
        super.zip(a, ai + t, b, bi + t, y, at + 2 * t, n - t);
    }

    private static FloatVector lanes(float[] a, int i) {
        return FloatVector.fromArray(S, a, i);
    }

    @Override
    void add(float[] a, float[] b, float[] o, int from, int to) {
        int i = from;
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector.fromArray(S, a, i).add(FloatVector.fromArray(S, b, i)).intoArray(o, i);
        }
        super.add(a, b, o, i, to);
    }

    @Override
    void axpy(float alpha, float[] x, float[] y, int from, int to) {
        int i = from;
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector.fromArray(S, x, i).fma(va, FloatVector.fromArray(S, y, i)).intoArray(y, i);
        }
        super.axpy(alpha, x, y, i, to);
    }

    @Override
    void scale(float[] x, float alpha, float[] o, int from, int to) {
        int i = from;
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector.fromArray(S, x, i).mul(alpha).intoArray(o, i);
        }
        super.scale(x, alpha, o, i, to);
    }

    @Override
    void mul(float[] a, float[] b, float[] o, int from, int to) {
        int i = from;
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector.fromArray(S, a, i).mul(FloatVector.fromArray(S, b, i)).intoArray(o, i);
        }
        super.mul(a, b, o, i, to);
    }

    @Override
    void relu(float[] x, float[] y, int from, int to) {
        int i = from;
        FloatVector zero = FloatVector.zero(S);
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            zero.blend(v, v.compare(VectorOperators.GT, 0f).or(v.test(VectorOperators.IS_NAN))).intoArray(y, i);
        }
        super.relu(x, y, i, to);
    }

    @Override
    void reluBackward(float[] dy, float[] y, float[] dx, int from, int to) {
        int i = from;
        FloatVector zero = FloatVector.zero(S);
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            VectorMask<Float> pos = FloatVector.fromArray(S, y, i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(S, dy, i), pos).intoArray(dx, i);
        }
        super.reluBackward(dy, y, dx, i, to);
    }

    @Override
    void accumulate(float[] src, int s, float[] dst, int d, int len) {
        int t = 0;
        for (int up = S.loopBound(len); t < up; t += L) {
            FloatVector.fromArray(S, dst, d + t).add(FloatVector.fromArray(S, src, s + t)).intoArray(dst, d + t);
        }
        super.accumulate(src, s + t, dst, d + t, len - t);
    }

    @Override
    void addScalar(float[] y, float v, int from, int to) {
        int i = from;
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector.fromArray(S, y, i).add(v).intoArray(y, i);
        }
        super.addScalar(y, v, i, to);
    }

    @Override
    void affine(float[] x, float[] y, float scale, float shift, int from, int to) {
        int i = from;
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector.fromArray(S, x, i).fma(scale, shift).intoArray(y, i);
        }
        super.affine(x, y, scale, shift, i, to);
    }

    @Override
    void finishOutput(float[] y, int from, int to, boolean addBias, float bias, boolean affine, float scale, float shift,
                      float[] r, boolean relu) {
        int i = from;
        FloatVector zero = FloatVector.zero(S);
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, y, i);
            if (addBias) v = v.add(bias);
            if (affine) v = v.fma(scale, shift);
            if (r != null) v = v.add(FloatVector.fromArray(S, r, i));
            if (relu) v = zero.blend(v, v.compare(VectorOperators.GT, 0f).or(v.test(VectorOperators.IS_NAN)));
            v.intoArray(y, i);
        }
        super.finishOutput(y, i, to, addBias, bias, affine, scale, shift, r, relu);
    }

    @Override
    void affine2(float[] dy, float[] x, float[] dx, float ka, float kb, float kc, int from, int to) {
        int i = from;
        FloatVector va = FloatVector.broadcast(S, ka);
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector t = FloatVector.fromArray(S, x, i).fma(kb, kc);
            va.fma(FloatVector.fromArray(S, dy, i), t).intoArray(dx, i);
        }
        super.affine2(dy, x, dx, ka, kb, kc, i, to);
    }

    // ------------------------------------------------------------------ reductions

    // reduceLanes(ADD) on floating point leaves the order of the lane additions to the implementation,
    // and the JIT-compiled intrinsic and the interpreted fallback do differ: the same call could round
    // differently before and after compilation. Adding the lanes one by one in double keeps every
    // reduction reproducible from the first call on.
    static double inLaneOrder(DoubleVector v) {
        double s = 0;
        for (double lane : v.toArray()) s += lane;
        return s;
    }

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

    @Override
    double sumDouble(float[] x, int from, int to) {
        if (D.length() * 2 != L) return super.sumDouble(x, from, to);
        DoubleVector acc0 = DoubleVector.zero(D), acc1 = DoubleVector.zero(D);
        int i = from;
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            acc0 = acc0.add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0));
            acc1 = acc1.add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1));
        }
        return inLaneOrder(acc0.add(acc1)) + super.sumDouble(x, i, to);
    }

    @Override
    double sumSq(float[] x, int from, int to) {
        if (D.length() * 2 != L) return super.sumSq(x, from, to);
        DoubleVector acc0 = DoubleVector.zero(D), acc1 = DoubleVector.zero(D);
        int i = from;
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            DoubleVector d0 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector d1 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
        }
        return inLaneOrder(acc0.add(acc1)) + super.sumSq(x, i, to);
    }

    @Override
    double sumPlanes(float[] x, int first, int stride, int n, int hw) {
        return VectorPlaneSums.applies() ? VectorPlaneSums.sum(x, first, stride, n, hw) : super.sumPlanes(x, first, stride, n, hw);
    }

    @Override
    double sumSqDiffPlanes(float[] x, float mu, int first, int stride, int n, int hw) {
        return VectorPlaneSums.applies() ? VectorPlaneSums.sumSqDiff(x, mu, first, stride, n, hw)
                : super.sumSqDiffPlanes(x, mu, first, stride, n, hw);
    }

    @Override
    void sumAndSumProdCenteredPlanes(float[] dy, float[] x, float mu, int first, int stride, int n, int hw, double[] out) {
        if (VectorPlaneSums.applies()) VectorPlaneSums.sumAndSumProdCentered(dy, x, mu, first, stride, n, hw, out);
        else super.sumAndSumProdCenteredPlanes(dy, x, mu, first, stride, n, hw, out);
    }

    // ------------------------------------------------------------------ optimizers

    @Override
    void sgd(float[] p, float[] g, float[] buf, float rate, float mom, float damp, boolean nesterov, float wd,
             boolean firstStep, int from, int to) {
        int i = from;
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector pv = FloatVector.fromArray(S, p, i);
            FloatVector d = FloatVector.fromArray(S, g, i);
            if (wd != 0f) d = d.add(pv.mul(wd));
            if (mom != 0f) {
                FloatVector bv = firstStep ? d : FloatVector.fromArray(S, buf, i).mul(mom).add(d.mul(damp));
                bv.intoArray(buf, i);
                d = nesterov ? d.add(bv.mul(mom)) : bv;
            }
            pv.sub(d.mul(rate)).intoArray(p, i);
        }
        super.sgd(p, g, buf, rate, mom, damp, nesterov, wd, firstStep, i, to);
    }

    @Override
    void adam(float[] p, float[] g, float[] m, float[] v, float stepSize, float bc2Sqrt, float b1, float b2, float c1, float c2, float e,
              float wd, boolean decoupled, float decay, int from, int to) {
        float ob1 = c1, ob2 = c2; // 1 - beta rounded once from double, as PyTorch
        int i = from;
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector pv = FloatVector.fromArray(S, p, i);
            FloatVector gi = FloatVector.fromArray(S, g, i);
            if (wd != 0f) {
                if (decoupled) pv = pv.mul(decay);
                else gi = gi.add(pv.mul(wd));
            }
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(b1).add(gi.mul(ob1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(b2).add(gi.mul(ob2).mul(gi));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector denom = vi.sqrt().div(bc2Sqrt).add(e);
            pv.sub(mi.div(denom).mul(stepSize)).intoArray(p, i);
        }
        super.adam(p, g, m, v, stepSize, bc2Sqrt, b1, b2, c1, c2, e, wd, decoupled, decay, i, to);
    }
}
