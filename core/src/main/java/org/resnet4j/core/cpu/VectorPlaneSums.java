package org.resnet4j.core.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch norm's per-channel sums on the Vector API: one channel of an NCHW tensor is n planes of hw floats,
 * {@code stride} apart. Four planes run side by side, one float accumulator each, so the adds do not wait on each
 * other (one accumulator over a plane waits four cycles per vector on the previous add) and a 7x7 plane of three
 * vectors still fills the pipeline. After at most {@link #FLUSH} vectors a lane's float partial sums move into two
 * double vectors, whose lanes are added one by one once per call: a fixed order that does not depend on the
 * thread count or on whether the code is compiled.
 */
final class VectorPlaneSums {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Vectors a float accumulator adds before its partial sum moves to double (the error grows with it). */
    private static final int FLUSH = 32;
    private static final int CHUNK = FLUSH * L;

    private VectorPlaneSums() {}

    /** Whether a float vector widens into exactly two double vectors, which these kernels assume. */
    static boolean applies() {
        return D.length() * 2 == L;
    }

    /** Σ x over the n planes. */
    static double sum(float[] x, int first, int stride, int n, int hw) {
        int vec = S.loopBound(hw);
        DoubleVector t0 = DoubleVector.zero(D), t1 = DoubleVector.zero(D);
        double tail = 0;
        int p = 0;
        for (; p + 4 <= n; p += 4) {
            int b0 = first + p * stride, b1 = b0 + stride, b2 = b1 + stride, b3 = b2 + stride;
            for (int j0 = 0; j0 < vec; j0 += CHUNK) {
                int j1 = Math.min(vec, j0 + CHUNK);
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                for (int j = j0; j < j1; j += L) {
                    a0 = a0.add(FloatVector.fromArray(S, x, b0 + j));
                    a1 = a1.add(FloatVector.fromArray(S, x, b1 + j));
                    a2 = a2.add(FloatVector.fromArray(S, x, b2 + j));
                    a3 = a3.add(FloatVector.fromArray(S, x, b3 + j));
                }
                FloatVector s = a0.add(a1).add(a2.add(a3));
                t0 = t0.add(widen(s, 0));
                t1 = t1.add(widen(s, 1));
            }
            for (int j = vec; j < hw; j++) tail += (double) x[b0 + j] + x[b1 + j] + x[b2 + j] + x[b3 + j];
        }
        for (; p < n; p++) {
            int b = first + p * stride;
            for (int j0 = 0; j0 < vec; j0 += CHUNK) {
                int j1 = Math.min(vec, j0 + CHUNK);
                FloatVector a = FloatVector.zero(S);
                for (int j = j0; j < j1; j += L) a = a.add(FloatVector.fromArray(S, x, b + j));
                t0 = t0.add(widen(a, 0));
                t1 = t1.add(widen(a, 1));
            }
            for (int j = vec; j < hw; j++) tail += x[b + j];
        }
        return VectorKernels.inLaneOrder(t0.add(t1)) + tail;
    }

    /** Σ (x - mu)^2 over the n planes. */
    static double sumSqDiff(float[] x, float mu, int first, int stride, int n, int hw) {
        int vec = S.loopBound(hw);
        DoubleVector t0 = DoubleVector.zero(D), t1 = DoubleVector.zero(D);
        double tail = 0;
        int p = 0;
        for (; p + 4 <= n; p += 4) {
            int b0 = first + p * stride, b1 = b0 + stride, b2 = b1 + stride, b3 = b2 + stride;
            for (int j0 = 0; j0 < vec; j0 += CHUNK) {
                int j1 = Math.min(vec, j0 + CHUNK);
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                for (int j = j0; j < j1; j += L) {
                    FloatVector d0 = FloatVector.fromArray(S, x, b0 + j).sub(mu);
                    FloatVector d1 = FloatVector.fromArray(S, x, b1 + j).sub(mu);
                    FloatVector d2 = FloatVector.fromArray(S, x, b2 + j).sub(mu);
                    FloatVector d3 = FloatVector.fromArray(S, x, b3 + j).sub(mu);
                    a0 = d0.fma(d0, a0);
                    a1 = d1.fma(d1, a1);
                    a2 = d2.fma(d2, a2);
                    a3 = d3.fma(d3, a3);
                }
                FloatVector s = a0.add(a1).add(a2.add(a3));
                t0 = t0.add(widen(s, 0));
                t1 = t1.add(widen(s, 1));
            }
            for (int j = vec; j < hw; j++) tail += sq(x[b0 + j] - mu) + sq(x[b1 + j] - mu) + sq(x[b2 + j] - mu) + sq(x[b3 + j] - mu);
        }
        for (; p < n; p++) {
            int b = first + p * stride;
            for (int j0 = 0; j0 < vec; j0 += CHUNK) {
                int j1 = Math.min(vec, j0 + CHUNK);
                FloatVector a = FloatVector.zero(S);
                for (int j = j0; j < j1; j += L) {
                    FloatVector d = FloatVector.fromArray(S, x, b + j).sub(mu);
                    a = d.fma(d, a);
                }
                t0 = t0.add(widen(a, 0));
                t1 = t1.add(widen(a, 1));
            }
            for (int j = vec; j < hw; j++) tail += sq(x[b + j] - mu);
        }
        return VectorKernels.inLaneOrder(t0.add(t1)) + tail;
    }

    /** out[0] = Σ dy and out[1] = Σ dy (x - mu) over the n planes, reading each plane of dy and x once. */
    static void sumAndSumProdCentered(float[] dy, float[] x, float mu, int first, int stride, int n, int hw, double[] out) {
        int vec = S.loopBound(hw);
        DoubleVector s0 = DoubleVector.zero(D), s1 = s0, q0 = s0, q1 = s0;
        double sTail = 0, qTail = 0;
        int p = 0;
        for (; p + 4 <= n; p += 4) {
            int b0 = first + p * stride, b1 = b0 + stride, b2 = b1 + stride, b3 = b2 + stride;
            for (int j0 = 0; j0 < vec; j0 += CHUNK) {
                int j1 = Math.min(vec, j0 + CHUNK);
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
                for (int j = j0; j < j1; j += L) {
                    FloatVector g0 = FloatVector.fromArray(S, dy, b0 + j), g1 = FloatVector.fromArray(S, dy, b1 + j);
                    FloatVector g2 = FloatVector.fromArray(S, dy, b2 + j), g3 = FloatVector.fromArray(S, dy, b3 + j);
                    a0 = a0.add(g0);
                    a1 = a1.add(g1);
                    a2 = a2.add(g2);
                    a3 = a3.add(g3);
                    c0 = FloatVector.fromArray(S, x, b0 + j).sub(mu).fma(g0, c0);
                    c1 = FloatVector.fromArray(S, x, b1 + j).sub(mu).fma(g1, c1);
                    c2 = FloatVector.fromArray(S, x, b2 + j).sub(mu).fma(g2, c2);
                    c3 = FloatVector.fromArray(S, x, b3 + j).sub(mu).fma(g3, c3);
                }
                FloatVector a = a0.add(a1).add(a2.add(a3)), c = c0.add(c1).add(c2.add(c3));
                s0 = s0.add(widen(a, 0));
                s1 = s1.add(widen(a, 1));
                q0 = q0.add(widen(c, 0));
                q1 = q1.add(widen(c, 1));
            }
            for (int j = vec; j < hw; j++) {
                sTail += (double) dy[b0 + j] + dy[b1 + j] + dy[b2 + j] + dy[b3 + j];
                qTail += (double) dy[b0 + j] * (x[b0 + j] - mu) + (double) dy[b1 + j] * (x[b1 + j] - mu)
                        + (double) dy[b2 + j] * (x[b2 + j] - mu) + (double) dy[b3 + j] * (x[b3 + j] - mu);
            }
        }
        for (; p < n; p++) {
            int b = first + p * stride;
            for (int j0 = 0; j0 < vec; j0 += CHUNK) {
                int j1 = Math.min(vec, j0 + CHUNK);
                FloatVector a = FloatVector.zero(S), c = a;
                for (int j = j0; j < j1; j += L) {
                    FloatVector g = FloatVector.fromArray(S, dy, b + j);
                    a = a.add(g);
                    c = FloatVector.fromArray(S, x, b + j).sub(mu).fma(g, c);
                }
                s0 = s0.add(widen(a, 0));
                s1 = s1.add(widen(a, 1));
                q0 = q0.add(widen(c, 0));
                q1 = q1.add(widen(c, 1));
            }
            for (int j = vec; j < hw; j++) {
                sTail += dy[b + j];
                qTail += (double) dy[b + j] * (x[b + j] - mu);
            }
        }
        out[0] = VectorKernels.inLaneOrder(s0.add(s1)) + sTail;
        out[1] = VectorKernels.inLaneOrder(q0.add(q1)) + qTail;
    }

    private static DoubleVector widen(FloatVector v, int part) {
        return (DoubleVector) v.convertShape(VectorOperators.F2D, D, part);
    }

    private static double sq(float d) {
        return (double) d * d;
    }
}
