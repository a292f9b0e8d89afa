package org.resnet4j.core.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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
    /** Float lanes add at most this many elements before the partial sum moves to a double. */
    private static final int BLOCK = 512;
    /** Keeps the prefetching loads of {@link #macro} alive; never read. */
    @SuppressWarnings("unused")
    private int sink;

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
    void packPaddedRow(float[] xp, int shift, int[] off, int cols, int gap, MemorySegment dst, long d) {
        if (cols == NR) {
            int base = shift + off[0];
            int span = off[NR - 1] - off[0];
            if (span == NR - 1) {
                // the whole panel lies on one output row: two contiguous loads
                copyRow(xp, base, dst, d);
                return;
            }
            if (span == NR - 1 + gap) {
                // one row end inside the panel: lanes from `split` on read gap floats further on
                int split = 1;
                while (off[split] - off[0] == split) split++;
                for (int o = 0; o < NR; o += L) {
                    VectorMask<Float> jumped = S.indexInRange(o, split).not();
                    FloatVector near = FloatVector.fromArray(S, xp, base + o);
                    FloatVector far = FloatVector.fromArray(S, xp, base + o + gap);
                    near.blend(far, jumped).intoMemorySegment(dst, d + 4L * o, NO);
                }
                return;
            }
        }
        super.packPaddedRow(xp, shift, off, cols, gap, dst, d);
    }

    // ------------------------------------------------------------------ GEMM

    @Override
    void macro(int mc, int nc, int kc, MemorySegment a, MemorySegment b, float[] c, int offC, int ldc,
               float alpha, float beta, boolean first) {
        float[] acc = new float[MR * NR];
        int touched = 0;
        boolean readC = !first || beta != 0f;
        FloatVector va = FloatVector.broadcast(S, alpha), vb = FloatVector.broadcast(S, first ? beta : 1f);
        for (int jr = 0; jr < nc; jr += NR) {
            long bp = (long) jr * kc * 4;
            int cols = Math.min(NR, nc - jr);
            for (int ir = 0; ir < mc; ir += MR) {
                long ap = (long) ir * kc * 4;
                int rows = Math.min(MR, mc - ir);
                int ci = offC + ir * ldc + jr;
                if (cols == NR) {
                    // touch the C tile first: these loads miss while the FMAs below run (a software prefetch;
                    // it pays for the write-only first pass too, whose stores would otherwise wait for the lines)
                    for (int r = 0, at = ci; r < rows; r++, at += ldc) {
                        touched += Float.floatToRawIntBits(c[at]) ^ Float.floatToRawIntBits(c[at + NR - 1]);
                    }
                }
                if (cols == NR && rows == MR) {
                    // full tile: update C straight from the accumulator registers
                    tileDirect(kc, a, ap, b, bp, c, ci, ldc, readC, va, vb);
                    continue;
                }
                tile(kc, a, ap, b, bp, acc);
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
        }
        sink = touched;
    }

    /** acc (MR x NR) = packed A panel (kc x MR) times packed B panel (kc x NR), all in registers. */
    private static void tile(int kc, MemorySegment a, long ao, MemorySegment b, long bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        // a long induction variable over byte offsets lets C2 drop the per-access segment checks
        for (long end = ao + 4L * MR * kc; ao < end; ao += 4 * MR, bo += 4L * NR) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bo, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bo + 4L * L, NO);
            FloatVector av = FloatVector.broadcast(S, a.get(F, ao));
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a.get(F, ao + 4));
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a.get(F, ao + 8));
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a.get(F, ao + 12));
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a.get(F, ao + 16));
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, a.get(F, ao + 20));
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
        }
        c00.intoArray(acc, 0);
        c01.intoArray(acc, L);
        c10.intoArray(acc, NR);
        c11.intoArray(acc, NR + L);
        c20.intoArray(acc, 2 * NR);
        c21.intoArray(acc, 2 * NR + L);
        c30.intoArray(acc, 3 * NR);
        c31.intoArray(acc, 3 * NR + L);
        c40.intoArray(acc, 4 * NR);
        c41.intoArray(acc, 4 * NR + L);
        c50.intoArray(acc, 5 * NR);
        c51.intoArray(acc, 5 * NR + L);
    }

    /** Full tile: C (MR x NR at c[ci], stride ldc) gets the product with the update rule, straight from registers. */
    private static void tileDirect(int kc, MemorySegment a, long ao, MemorySegment b, long bo, float[] c, int ci, int ldc,
                                   boolean readC, FloatVector va, FloatVector vb) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        // a long induction variable over byte offsets lets C2 drop the per-access segment checks
        for (long end = ao + 4L * MR * kc; ao < end; ao += 4 * MR, bo += 4L * NR) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bo, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bo + 4L * L, NO);
            FloatVector av = FloatVector.broadcast(S, a.get(F, ao));
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a.get(F, ao + 4));
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a.get(F, ao + 8));
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a.get(F, ao + 12));
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a.get(F, ao + 16));
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, a.get(F, ao + 20));
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
        }
        {
            int at = ci;
            FloatVector x0 = c00, x1 = c01;
            if (readC) {
                x0 = x0.fma(va, FloatVector.fromArray(S, c, at).mul(vb));
                x1 = x1.fma(va, FloatVector.fromArray(S, c, at + L).mul(vb));
            } else {
                x0 = x0.mul(va);
                x1 = x1.mul(va);
            }
            x0.intoArray(c, at);
            x1.intoArray(c, at + L);
        }
        {
            int at = ci + 1 * ldc;
            FloatVector x0 = c10, x1 = c11;
            if (readC) {
                x0 = x0.fma(va, FloatVector.fromArray(S, c, at).mul(vb));
                x1 = x1.fma(va, FloatVector.fromArray(S, c, at + L).mul(vb));
            } else {
                x0 = x0.mul(va);
                x1 = x1.mul(va);
            }
            x0.intoArray(c, at);
            x1.intoArray(c, at + L);
        }
        {
            int at = ci + 2 * ldc;
            FloatVector x0 = c20, x1 = c21;
            if (readC) {
                x0 = x0.fma(va, FloatVector.fromArray(S, c, at).mul(vb));
                x1 = x1.fma(va, FloatVector.fromArray(S, c, at + L).mul(vb));
            } else {
                x0 = x0.mul(va);
                x1 = x1.mul(va);
            }
            x0.intoArray(c, at);
            x1.intoArray(c, at + L);
        }
        {
            int at = ci + 3 * ldc;
            FloatVector x0 = c30, x1 = c31;
            if (readC) {
                x0 = x0.fma(va, FloatVector.fromArray(S, c, at).mul(vb));
                x1 = x1.fma(va, FloatVector.fromArray(S, c, at + L).mul(vb));
            } else {
                x0 = x0.mul(va);
                x1 = x1.mul(va);
            }
            x0.intoArray(c, at);
            x1.intoArray(c, at + L);
        }
        {
            int at = ci + 4 * ldc;
            FloatVector x0 = c40, x1 = c41;
            if (readC) {
                x0 = x0.fma(va, FloatVector.fromArray(S, c, at).mul(vb));
                x1 = x1.fma(va, FloatVector.fromArray(S, c, at + L).mul(vb));
            } else {
                x0 = x0.mul(va);
                x1 = x1.mul(va);
            }
            x0.intoArray(c, at);
            x1.intoArray(c, at + L);
        }
        {
            int at = ci + 5 * ldc;
            FloatVector x0 = c50, x1 = c51;
            if (readC) {
                x0 = x0.fma(va, FloatVector.fromArray(S, c, at).mul(vb));
                x1 = x1.fma(va, FloatVector.fromArray(S, c, at + L).mul(vb));
            } else {
                x0 = x0.mul(va);
                x1 = x1.mul(va);
            }
            x0.intoArray(c, at);
            x1.intoArray(c, at + L);
        }
    }

    // ------------------------------------------------------------------ element-wise

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
    private static double inLaneOrder(FloatVector v) {
        double s = 0;
        for (float lane : v.toArray()) s += lane;
        return s;
    }

    private static double inLaneOrder(DoubleVector v) {
        double s = 0;
        for (double lane : v.toArray()) s += lane;
        return s;
    }

    @Override
    double sum(float[] x, int from, int to) {
        double s = 0;
        int i = from;
        while (to - i >= L) {
            int up = i + S.loopBound(Math.min(BLOCK, to - i));
            FloatVector acc = FloatVector.zero(S);
            for (; i < up; i += L) acc = acc.add(FloatVector.fromArray(S, x, i));
            s += inLaneOrder(acc);
        }
        return s + super.sum(x, i, to);
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
    double sumSqDiff(float[] x, float mu, int from, int to) {
        double s = 0;
        int i = from;
        while (to - i >= L) {
            int up = i + S.loopBound(Math.min(BLOCK, to - i));
            FloatVector acc = FloatVector.zero(S);
            for (; i < up; i += L) {
                FloatVector d = FloatVector.fromArray(S, x, i).sub(mu);
                acc = d.fma(d, acc);
            }
            s += inLaneOrder(acc);
        }
        return s + super.sumSqDiff(x, mu, i, to);
    }

    @Override
    double sumProdCentered(float[] dy, float[] x, float mu, int from, int to) {
        double s = 0;
        int i = from;
        while (to - i >= L) {
            int up = i + S.loopBound(Math.min(BLOCK, to - i));
            FloatVector acc = FloatVector.zero(S);
            for (; i < up; i += L) {
                FloatVector d = FloatVector.fromArray(S, x, i).sub(mu);
                acc = d.fma(FloatVector.fromArray(S, dy, i), acc);
            }
            s += inLaneOrder(acc);
        }
        return s + super.sumProdCentered(dy, x, mu, i, to);
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
