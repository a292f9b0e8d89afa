package org.resnet4j.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector form of {@link Kernels#channelsLastWeightRows}: twelve rows of dW^T, one vector of output channels
 * each, in twelve accumulators. Per output pixel it loads one vector of dy (the pixel's output channels) and
 * broadcasts twelve consecutive floats of the channels-last input (the pixel's taps and input channels), so twelve
 * multiply-adds need thirteen loads and nothing is packed.
 */
final class VectorWeightRows {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorWeightRows() {}

    static void rows12(float[] xT, int xOff, int xRowStep, int xColStep, float[] dyT, int dyOff, int dyPixelStep,
                       int oh, int ow, float[] sums, int sOff, int sRowStep) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int oy = 0; oy < oh; oy++) {
            int x = xOff + oy * xRowStep, d = dyOff + oy * ow * dyPixelStep;
            for (int ox = 0; ox < ow; ox++, x += xColStep, d += dyPixelStep) {
                FloatVector g = FloatVector.fromArray(S, dyT, d);
                a0 = g.fma(FloatVector.broadcast(S, xT[x]), a0);
                a1 = g.fma(FloatVector.broadcast(S, xT[x + 1]), a1);
                a2 = g.fma(FloatVector.broadcast(S, xT[x + 2]), a2);
                a3 = g.fma(FloatVector.broadcast(S, xT[x + 3]), a3);
                a4 = g.fma(FloatVector.broadcast(S, xT[x + 4]), a4);
                a5 = g.fma(FloatVector.broadcast(S, xT[x + 5]), a5);
                a6 = g.fma(FloatVector.broadcast(S, xT[x + 6]), a6);
                a7 = g.fma(FloatVector.broadcast(S, xT[x + 7]), a7);
                a8 = g.fma(FloatVector.broadcast(S, xT[x + 8]), a8);
                a9 = g.fma(FloatVector.broadcast(S, xT[x + 9]), a9);
                a10 = g.fma(FloatVector.broadcast(S, xT[x + 10]), a10);
                a11 = g.fma(FloatVector.broadcast(S, xT[x + 11]), a11);
            }
        }
        add(a0, sums, sOff + 0 * sRowStep);
        add(a1, sums, sOff + 1 * sRowStep);
        add(a2, sums, sOff + 2 * sRowStep);
        add(a3, sums, sOff + 3 * sRowStep);
        add(a4, sums, sOff + 4 * sRowStep);
        add(a5, sums, sOff + 5 * sRowStep);
        add(a6, sums, sOff + 6 * sRowStep);
        add(a7, sums, sOff + 7 * sRowStep);
        add(a8, sums, sOff + 8 * sRowStep);
        add(a9, sums, sOff + 9 * sRowStep);
        add(a10, sums, sOff + 10 * sRowStep);
        add(a11, sums, sOff + 11 * sRowStep);
    }


    private static void add(FloatVector v, float[] sums, int at) {
        FloatVector.fromArray(S, sums, at).add(v).intoArray(sums, at);
    }
}
