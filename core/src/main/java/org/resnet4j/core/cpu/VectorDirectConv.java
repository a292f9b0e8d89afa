package org.resnet4j.core.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tiles of {@link DirectConv} on the Vector API. Loaded by {@link Simd} only when
 * {@code jdk.incubator.vector} is resolved, like {@link VectorKernels}.
 *
 * <p>Forward: 6 output channels x 2 vectors of p in twelve accumulators (on AVX2: 12 + 2 input vectors
 * + 1 broadcast weight = 15 of 16 registers, the GEMM micro-kernel's shape; 4 x 3 needs all 16 and ran
 * about half as fast). Weight gradient: 3 output channels x 3 kernel columns (9 accumulators + 3 input
 * vectors + 1 dy vector; 4 x 3 spilled). Every accumulator is an FMA chain in a fixed order, and
 * no lanes are reduced here, so the results do not depend on how the JIT compiled the code.
 */
final class VectorDirectConv extends DirectConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final long VB = 4L * L;
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    VectorDirectConv() {
        super(L);
    }

    @Override
    void forwardTile(MemorySegment x, long xo, long[] off, int n, MemorySegment w, long wo,
                     MemorySegment out, long oo, long outPlaneB, int nv, boolean add) {
        if (nv == 2) {
            forward2(x, xo, off, n, w, wo, out, oo, outPlaneB, add);
        } else {
            forward1(x, xo, off, n, w, wo, out, oo, outPlaneB, add);
        }
    }

    private static void forward2(MemorySegment x, long xo, long[] off, int n, MemorySegment w, long wo,
                                 MemorySegment out, long oo, long outPlaneB, boolean add) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S);
        FloatVector a40 = FloatVector.zero(S), a41 = FloatVector.zero(S);
        FloatVector a50 = FloatVector.zero(S), a51 = FloatVector.zero(S);
        for (int i = 0; i < n; i++) {
            long xi = xo + off[i], wi = wo + 24L * i;
            FloatVector x0 = FloatVector.fromMemorySegment(S, x, xi, NO);
            FloatVector x1 = FloatVector.fromMemorySegment(S, x, xi + VB, NO);
            FloatVector wv = FloatVector.broadcast(S, w.get(F, wi));
            a00 = x0.fma(wv, a00);
            a01 = x1.fma(wv, a01);
            wv = FloatVector.broadcast(S, w.get(F, wi + 4));
            a10 = x0.fma(wv, a10);
            a11 = x1.fma(wv, a11);
            wv = FloatVector.broadcast(S, w.get(F, wi + 8));
            a20 = x0.fma(wv, a20);
            a21 = x1.fma(wv, a21);
            wv = FloatVector.broadcast(S, w.get(F, wi + 12));
            a30 = x0.fma(wv, a30);
            a31 = x1.fma(wv, a31);
            wv = FloatVector.broadcast(S, w.get(F, wi + 16));
            a40 = x0.fma(wv, a40);
            a41 = x1.fma(wv, a41);
            wv = FloatVector.broadcast(S, w.get(F, wi + 20));
            a50 = x0.fma(wv, a50);
            a51 = x1.fma(wv, a51);
        }
        store(a00, out, oo, add);
        store(a01, out, oo + VB, add);
        store(a10, out, oo + outPlaneB, add);
        store(a11, out, oo + outPlaneB + VB, add);
        store(a20, out, oo + 2 * outPlaneB, add);
        store(a21, out, oo + 2 * outPlaneB + VB, add);
        store(a30, out, oo + 3 * outPlaneB, add);
        store(a31, out, oo + 3 * outPlaneB + VB, add);
        store(a40, out, oo + 4 * outPlaneB, add);
        store(a41, out, oo + 4 * outPlaneB + VB, add);
        store(a50, out, oo + 5 * outPlaneB, add);
        store(a51, out, oo + 5 * outPlaneB + VB, add);
    }

    /** The same sums for a last single vector of p. */
    private static void forward1(MemorySegment x, long xo, long[] off, int n, MemorySegment w, long wo,
                                 MemorySegment out, long oo, long outPlaneB, boolean add) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S), a4 = FloatVector.zero(S), a5 = FloatVector.zero(S);
        for (int i = 0; i < n; i++) {
            long wi = wo + 24L * i;
            FloatVector x0 = FloatVector.fromMemorySegment(S, x, xo + off[i], NO);
            a0 = x0.fma(FloatVector.broadcast(S, w.get(F, wi)), a0);
            a1 = x0.fma(FloatVector.broadcast(S, w.get(F, wi + 4)), a1);
            a2 = x0.fma(FloatVector.broadcast(S, w.get(F, wi + 8)), a2);
            a3 = x0.fma(FloatVector.broadcast(S, w.get(F, wi + 12)), a3);
            a4 = x0.fma(FloatVector.broadcast(S, w.get(F, wi + 16)), a4);
            a5 = x0.fma(FloatVector.broadcast(S, w.get(F, wi + 20)), a5);
        }
        store(a0, out, oo, add);
        store(a1, out, oo + outPlaneB, add);
        store(a2, out, oo + 2 * outPlaneB, add);
        store(a3, out, oo + 3 * outPlaneB, add);
        store(a4, out, oo + 4 * outPlaneB, add);
        store(a5, out, oo + 5 * outPlaneB, add);
    }

    private static void store(FloatVector v, MemorySegment out, long o, boolean add) {
        // two separate stores: a store of a merged (phi) vector is not intrinsified, which would box every
        // accumulator of the loop above
        if (add) {
            v.add(FloatVector.fromMemorySegment(S, out, o, NO)).intoMemorySegment(out, o, NO);
        } else {
            v.intoMemorySegment(out, o, NO);
        }
    }

    @Override
    void weightTile(MemorySegment dy, long dyo, long dyPlaneB, long dyImgB, MemorySegment x, long xo,
                    long xImgB, int imgs, int steps, MemorySegment acc, long ao) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S), a02 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S), a12 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S), a22 = FloatVector.zero(S);
        long n = steps * VB;
        for (int im = 0; im < imgs; im++, dyo += dyImgB, xo += xImgB) {
            // one long induction variable over byte offsets, the bases invariant
            for (long i = 0; i < n; i += VB) {
                long xx = xo + i, d = dyo + i;
                FloatVector x0 = FloatVector.fromMemorySegment(S, x, xx, NO);
                FloatVector x1 = FloatVector.fromMemorySegment(S, x, xx + 4, NO);
                FloatVector x2 = FloatVector.fromMemorySegment(S, x, xx + 8, NO);
                FloatVector dv = FloatVector.fromMemorySegment(S, dy, d, NO);
                a00 = dv.fma(x0, a00);
                a01 = dv.fma(x1, a01);
                a02 = dv.fma(x2, a02);
                dv = FloatVector.fromMemorySegment(S, dy, d + dyPlaneB, NO);
                a10 = dv.fma(x0, a10);
                a11 = dv.fma(x1, a11);
                a12 = dv.fma(x2, a12);
                dv = FloatVector.fromMemorySegment(S, dy, d + 2 * dyPlaneB, NO);
                a20 = dv.fma(x0, a20);
                a21 = dv.fma(x1, a21);
                a22 = dv.fma(x2, a22);
            }
        }
        store(a00, acc, ao, true);
        store(a01, acc, ao + VB, true);
        store(a02, acc, ao + 2 * VB, true);
        store(a10, acc, ao + 3 * VB, true);
        store(a11, acc, ao + 4 * VB, true);
        store(a12, acc, ao + 5 * VB, true);
        store(a20, acc, ao + 6 * VB, true);
        store(a21, acc, ao + 7 * VB, true);
        store(a22, acc, ao + 8 * VB, true);
    }
}
