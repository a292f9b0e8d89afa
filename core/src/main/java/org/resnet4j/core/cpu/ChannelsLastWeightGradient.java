package org.resnet4j.core.cpu;

import java.util.Arrays;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;

/**
 * A convolution's weight gradient as rank-one updates on channels-last copies of x and dy, nothing packed:
 * <pre>
 *   dW^T[(ky, kx, ci), co] = sum over images, oy, ox of  xT[image][oy*sh + ky][ox*sw + kx][ci] * dyT[image, oy, ox][co]
 * </pre>
 * With dilation 1 the rows (kx, ci) of one ky are consecutive floats of xT at each pixel, so a kernel call keeps
 * twelve of them times one vector of output channels in registers and, per pixel, broadcasts twelve floats of xT
 * against one load of dyT ({@link Kernels#channelsLastWeightRows}). The im2col and channels-last GEMMs copy every
 * tap of x into packed panels first, and with 16 to 64 output channels each packed float then feeds only one to
 * four multiply-adds.
 *
 * <p>The batch is cut into {@link DirectConv#WEIGHT_PARTS} parts summed one after the other in a fixed order, and
 * each part sums its images in order, a few output rows at a time: dW has the same bits for any thread count.
 */
final class ChannelsLastWeightGradient {
    /** -Dresnet4j.conv.clweight: auto (where it pays, {@link #pays}), always (wherever it applies) or never. */
    private static final ConvPathMode MODE = new ConvPathMode("resnet4j.conv.clweight");
    private static final int ROWS = Kernels.CL_WEIGHT_ROWS;

    private ChannelsLastWeightGradient() {}

    /** Sets the mode from now on (tests and benchmarks compare the paths with it); null reads the property again. */
    static void setMode(String value) {
        MODE.set(value);
    }

    static boolean chosen(Kernels kr, ConvGeometry g) {
        return MODE.chosen(applies(kr, g), pays(g));
    }

    /** One group, dilation 1, a whole number of row blocks per kernel row and of vectors of output channels. */
    static boolean applies(Kernels kr, ConvGeometry g) {
        return g.groups() == 1 && g.dilationH() == 1 && g.dilationW() == 1 && (g.kW() * g.cIn()) % ROWS == 0
                && g.cOut() % kr.directLanes() == 0;
    }

    /**
     * Where it was measured faster than the other weight-gradient paths (ConvBench backwardWeight, data out of cache,
     * 2-core Intel Xeon with AVX-512, GFLOP/s, this path against the one Conv took before): ResNet-20's 3x3 at N = 128,
     * 16->16 28x28 100 -> 147, 32->32 14x14 112-122 -> 160, 64->64 7x7 102-107 -> 138-142, the stride-2 16->32 87-91
     * -> 138. Not taken: the stride-2 32->64 (123-126 against 122; a strided kernel transposes pixels it never
     * reads), ResNet-50's 3x3 64->64 56x56 at N = 8 (184-207 against 186) and 128->128 28x28 (204 against 210).
     */
    static boolean pays(ConvGeometry g) {
        return !g.isPointwise() && g.cOut() <= 64 && g.outH() * g.outW() <= 32 * 32 && (g.strideW() == 1 || g.cIn() <= 16);
    }

    // dW: (cOut, cIn, kH, kW) += sum over images of the correlation of dy: (n, cOut, oh, ow) with x: (n, cIn, h, w)
    static void backwardWeight(Kernels kr, float[] dy, float[] x, ConvGeometry g, float[] dw) {
        final int n = g.n(), c = g.cIn(), h = g.h(), w = g.w(), co = g.cOut(), kh = g.kH(), kw = g.kW(), khw = kh * kw;
        final int ph = g.padH(), pw = g.padW(), wp = w + 2 * pw, oh = g.outH(), ow = g.outW(), ohw = oh * ow;
        final int xImage = (h + 2 * ph) * wp * c, xRow = wp * c, kk = khw * c, size = kk * co, lanes = kr.directLanes();
        final int parts = Math.min(n, DirectConv.WEIGHT_PARTS);
        // output rows per kernel call: about 24 KiB of dyT and xT together, so that they stay in L1 over the calls
        final int rowsPerChunk = Math.max(1, 6144 / (ow * (co + c * g.strideW())));
        float[] partial = Workspace.get().directPartials(parts * size);
        Parallel.forEach(parts, part -> {
            int at = part * size;
            Arrays.fill(partial, at, at + size, 0f);
            // each image transposed right before its sums, into this thread's buffers: they are still in L2 when read
            Workspace ws = Workspace.get();
            float[] xT = ws.xChannelsLast(xImage), dyT = ws.dyChannelsLast(ohw * co);
            for (int image = (int) ((long) n * part / parts), end = (int) ((long) n * (part + 1) / parts); image < end; image++) {
                kr.toChannelsLast(x, image * c * h * w, c, h, w, ph, pw, xT, 0);
                kr.toChannelsLast(dy, image * co * ohw, co, oh, ow, 0, 0, dyT, 0);
                for (int oy0 = 0; oy0 < oh; oy0 += rowsPerChunk) {
                    int rows = Math.min(rowsPerChunk, oh - oy0);
                    int dyAt = oy0 * ow * co;
                    for (int ky = 0; ky < kh; ky++) {
                        int xAt = (oy0 * g.strideH() + ky) * xRow;
                        for (int j0 = 0; j0 < kw * c; j0 += ROWS) {
                            for (int o = 0; o < co; o += lanes) {
                                kr.channelsLastWeightRows(xT, xAt + j0, g.strideH() * xRow, g.strideW() * c, dyT, dyAt + o, co,
                                        rows, ow, partial, at + (ky * kw * c + j0) * co + o, co);
                            }
                        }
                    }
                }
            }
        });
        // dW^T's row (ky, kx, ci) = t * c + ci, t = ky * kw + kx
        Parallel.forEach(co, o -> {
            for (int ci = 0; ci < c; ci++) {
                for (int t = 0; t < khw; t++) {
                    float s = 0f;
                    for (int part = 0; part < parts; part++) s += partial[part * size + (t * c + ci) * co + o];
                    dw[(o * c + ci) * khw + t] += s;
                }
            }
        });
    }
}
