package org.resnet4j.core.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tiles of {@link DirectConv} on the Vector API. Loaded by {@link Simd} only when
 * {@code jdk.incubator.vector} is resolved, like {@link VectorKernels}.
 *
 * <p>Forward: 4 output channels x 3 vectors of p in twelve accumulators (on AVX2: 12 + 3 input vectors
 * + 1 broadcast weight = 16 registers). Weight gradient: 4 output channels x 3 kernel columns (12
 * accumulators + 3 input vectors + 1 dy vector). Every accumulator is an FMA chain in a fixed order, and
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
    void forwardTile(MemorySegment x, long xo, long planeB, int icLen, int kH, int kW, long rowB,
                     MemorySegment w, long wo, MemorySegment out, long oo, long outPlaneB, int nv, boolean add) {
        if (nv == 3) {
            forward3(x, xo, planeB, icLen, kH, kW, rowB, w, wo, out, oo, outPlaneB, add);
        } else {
            forwardNarrow(x, xo, planeB, icLen, kH, kW, rowB, w, wo, out, oo, outPlaneB, nv, add);
        }
    }

    private static void forward3(MemorySegment x, long xo, long planeB, int icLen, int kH, int kW, long rowB,
                                 MemorySegment w, long wo, MemorySegment out, long oo, long outPlaneB, boolean add) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S), a02 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S), a12 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S), a22 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S), a32 = FloatVector.zero(S);
        for (int ic = 0; ic < icLen; ic++, xo += planeB) {
            for (int ky = 0; ky < kH; ky++) {
                long xr = xo + ky * rowB;
                for (long end = xr + 4L * kW; xr < end; xr += 4, wo += 16) {
                    FloatVector x0 = FloatVector.fromMemorySegment(S, x, xr, NO);
                    FloatVector x1 = FloatVector.fromMemorySegment(S, x, xr + VB, NO);
                    FloatVector x2 = FloatVector.fromMemorySegment(S, x, xr + 2 * VB, NO);
                    FloatVector wv = FloatVector.broadcast(S, w.get(F, wo));
                    a00 = x0.fma(wv, a00);
                    a01 = x1.fma(wv, a01);
                    a02 = x2.fma(wv, a02);
                    wv = FloatVector.broadcast(S, w.get(F, wo + 4));
                    a10 = x0.fma(wv, a10);
                    a11 = x1.fma(wv, a11);
                    a12 = x2.fma(wv, a12);
                    wv = FloatVector.broadcast(S, w.get(F, wo + 8));
                    a20 = x0.fma(wv, a20);
                    a21 = x1.fma(wv, a21);
                    a22 = x2.fma(wv, a22);
                    wv = FloatVector.broadcast(S, w.get(F, wo + 12));
                    a30 = x0.fma(wv, a30);
                    a31 = x1.fma(wv, a31);
                    a32 = x2.fma(wv, a32);
                }
            }
        }
        store(a00, out, oo, add);
        store(a01, out, oo + VB, add);
        store(a02, out, oo + 2 * VB, add);
        oo += outPlaneB;
        store(a10, out, oo, add);
        store(a11, out, oo + VB, add);
        store(a12, out, oo + 2 * VB, add);
        oo += outPlaneB;
        store(a20, out, oo, add);
        store(a21, out, oo + VB, add);
        store(a22, out, oo + 2 * VB, add);
        oo += outPlaneB;
        store(a30, out, oo, add);
        store(a31, out, oo + VB, add);
        store(a32, out, oo + 2 * VB, add);
    }

    /** The same sums for the last one or two vectors of p, one vector at a time. */
    private static void forwardNarrow(MemorySegment x, long xo, long planeB, int icLen, int kH, int kW, long rowB,
                                      MemorySegment w, long wo, MemorySegment out, long oo, long outPlaneB, int nv,
                                      boolean add) {
        for (int v = 0; v < nv; v++, xo += VB, oo += VB) {
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
            long xi = xo, wi = wo;
            for (int ic = 0; ic < icLen; ic++, xi += planeB) {
                for (int ky = 0; ky < kH; ky++) {
                    long xr = xi + ky * rowB;
                    for (long end = xr + 4L * kW; xr < end; xr += 4, wi += 16) {
                        FloatVector x0 = FloatVector.fromMemorySegment(S, x, xr, NO);
                        a0 = x0.fma(FloatVector.broadcast(S, w.get(F, wi)), a0);
                        a1 = x0.fma(FloatVector.broadcast(S, w.get(F, wi + 4)), a1);
                        a2 = x0.fma(FloatVector.broadcast(S, w.get(F, wi + 8)), a2);
                        a3 = x0.fma(FloatVector.broadcast(S, w.get(F, wi + 12)), a3);
                    }
                }
            }
            store(a0, out, oo, add);
            store(a1, out, oo + outPlaneB, add);
            store(a2, out, oo + 2 * outPlaneB, add);
            store(a3, out, oo + 3 * outPlaneB, add);
        }
    }

    private static void store(FloatVector v, MemorySegment out, long o, boolean add) {
        if (add) v = v.add(FloatVector.fromMemorySegment(S, out, o, NO));
        v.intoMemorySegment(out, o, NO);
    }

    @Override
    void weightTile(MemorySegment dy, long dyo, long dyPlaneB, long dyImgB, MemorySegment x, long xo,
                    long xImgB, int imgs, int steps, MemorySegment acc, long ao) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S), a02 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S), a12 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S), a22 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S), a32 = FloatVector.zero(S);
        for (int im = 0; im < imgs; im++, dyo += dyImgB, xo += xImgB) {
            long d = dyo, xx = xo;
            for (long end = d + steps * VB; d < end; d += VB, xx += VB) {
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
                dv = FloatVector.fromMemorySegment(S, dy, d + 3 * dyPlaneB, NO);
                a30 = dv.fma(x0, a30);
                a31 = dv.fma(x1, a31);
                a32 = dv.fma(x2, a32);
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
        store(a30, acc, ao + 9 * VB, true);
        store(a31, acc, ao + 10 * VB, true);
        store(a32, acc, ao + 11 * VB, true);
    }
}
