package org.resnet4j.core.cpu;

import java.lang.foreign.MemorySegment;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;

/**
 * 3x3 stride-1 convolutions with few channels (ResNet-20's 16 to 64), computed from a zero-padded copy of the
 * input with no im2col panels. With 16 channels each packed im2col float feeds only 16 multiply-adds, so packing
 * was a fifth of such a convolution; here the kernels read the padded input in place.
 *
 * <p>The flat padded domain: an image's padded planes are hp x wp (hp = h + 2 padH, wp = w + 2 padW), and output
 * pixel (oy, ox) sits at position q = oy*wp + ox. Its tap (ky, kx) of input channel ci is then
 * <pre>
 *   xp[ci*plane + q + ky*wp + kx]
 * </pre>
 * one offset per tap for every position, so a run of positions is a run of floats in each of the nine shifted
 * views of the plane, across row ends. The wp - ow positions at the end of each row are computed and dropped
 * (2 of 34 at 32x32, 2 of 10 at 8x8).
 *
 * <pre>
 *   forward         y[co, q]     = sum over ci, ky, kx of w[co, ci, ky, kx] * xp[ci, q + ky*wp + kx]
 *   weight gradient dW[co, ci, ky, kx] += sum over images and q of dyp[co, q] * xp[ci, q + ky*wp + kx]
 * </pre>
 * where dyp is dy on the padded positions with zeros at the dropped ones, so they add nothing. The stride-1 input
 * gradient is Conv's forward convolution of dy with the flipped kernel, so it comes here as a forward.
 *
 * <p>Each output of the forward is summed over (ci, ky, kx) in order by one task; the weight gradient sums each part
 * of the batch (its size a function of the geometry alone) per lane and then adds the parts in order: the same
 * bits for any thread count.
 */
final class DirectConv {
    private DirectConv() {}

    /** The convolutions Winograd's F(2x2, 3x3) takes: 3x3, stride 1, no dilation, one group, padding of at most 2. */
    static boolean applies(ConvGeometry g) {
        return Winograd.applies(g);
    }

    /** -Dresnet4j.conv.direct: auto (where it pays, {@link #pays}), always (wherever it applies) or never. */
    private static final ConvPathMode MODE = new ConvPathMode("resnet4j.conv.direct");

    /** Sets the mode from now on (tests and benchmarks compare the paths with it); null reads the property again. */
    static void setMode(String value) {
        MODE.set(value);
    }

    /** Whether Conv runs this forward convolution (or stride-1 input gradient) here. */
    static boolean chosen(ConvGeometry g) {
        return MODE.chosen(applies(g), pays(g));
    }

    /** Whether Conv runs this convolution's weight gradient here. */
    static boolean chosenForWeightGradient(ConvGeometry g) {
        return MODE.chosen(applies(g), paysForWeightGradient(g));
    }

    /**
     * Where the forward (and the stride-1 input gradient) is faster than im2col, measured on the 2-core AMD EPYC
     * with AVX-512 (N = 128, both paths alternating in one JVM, best of 12-15 GFLOP/s): at most 32 channels either side.
     * ResNet-20's stem 3->16 32x32 forward 30-58 -> 66-77, its 16->16 32x32 forward 79-127 -> 90-149 and input
     * gradient 111-132 -> 132-153, 32->32 16x16 113-135 -> 133-162 and 139-162; not taken: 64->64 8x8 (127 vs 133,
     * 120 vs 132: a quarter of its positions are the dropped columns).
     */
    static boolean pays(ConvGeometry g) {
        return Math.max(g.cIn(), g.cOut()) <= 32;
    }

    /**
     * Where the weight gradient is faster than the channels-last product, measured as {@link #pays}: 16->16 32x32
     * 48-57 -> 80-102 GFLOP/s. Not taken: the stem 3->16 (10-27 vs 11-25: three input channels give dy little reuse),
     * 32->32 16x16 (83-94 vs 87-90), 64->64 8x8 (108-122 vs 48-66).
     */
    static boolean paysForWeightGradient(ConvGeometry g) {
        return g.cIn() >= 16 && Math.max(g.cIn(), g.cOut()) <= 16;
    }

    // y: (n, cOut, oh, ow) = conv3x3(x: (n, cIn, h, w), w: (cOut, cIn, 3, 3)) + bias, each channel's rows then
    // finished by `after` (nullable: batch norm, residual, ReLU; see OutputEpilogue)
    static void forward(Kernels kr, float[] x, float[] w, float[] bias, ConvGeometry g, float[] y, OutputEpilogue after) {
        final int n = g.n(), cIn = g.cIn(), cOut = g.cOut(), oh = g.outH(), ow = g.outW();
        final int wp = g.w() + 2 * g.padW(), plane = (g.h() + 2 * g.padH()) * wp, blk = kr.directBlock();
        final int t = 4, tiles = (cOut + t - 1) / t;
        MemorySegment wt = Workspace.get().sharedA((long) tiles * t * cIn * 9);
        packWeights(w, cOut, cIn, t, wt);
        // tasks: (image, block of output rows); several blocks per image only when there are fewer images than threads
        int chunks = n >= 2 * Parallel.threads() ? 1 : Math.min(oh, (2 * Parallel.threads() + n - 1) / n);
        final int rowsPer = (oh + chunks - 1) / chunks, perImage = (oh + rowsPer - 1) / rowsPer;
        final OutputEpilogue finish = OutputEpilogue.withBias(after, bias);
        Parallel.forEach(n * perImage, task -> {
            int image = task / perImage, oy0 = task % perImage * rowsPer, oy1 = Math.min(oh, oy0 + rowsPer);
            // positions [q0, q0 + span): rows oy0..oy1-1, the last one up to its last output, in whole kernel blocks
            int q0 = oy0 * wp, span = GemmDriver.roundUp((oy1 - 1) * wp + ow - q0, blk);
            Workspace ws = Workspace.get();
            // (slack: a block past the last output still reads its nine taps)
            MemorySegment xp = ws.directInput((long) cIn * plane + blk + 2L * wp + 2);
            padPlanes(kr, x, image * cIn * g.h() * g.w(), cIn, g.h(), g.w(), g.padH(), g.padW(), oy0, oy1 + 2, xp, plane);
            float[] out = ws.directOutput(tiles * t * span);
            for (int q = 0; q < span; q += blk) {
                for (int tile = 0; tile < tiles; tile++) {
                    kr.direct3x3(xp, q0 + q, plane, wp, cIn, wt, (long) tile * t * cIn * 9, out, tile * t * span + q, span);
                }
            }
            for (int co = 0; co < cOut; co++) {
                int yPlane = (image * cOut + co) * oh * ow;
                kr.unpadRows(out, co * span, wp, y, yPlane + oy0 * ow, ow, oy1 - oy0);
                if (finish != null) finish.apply(kr, co, y, yPlane + oy0 * ow, yPlane + oy1 * ow);
            }
        });
    }

    /** wt (tiles, cIn, 3, 3, t): each tile's t output channels side by side per tap, zeros past cOut. */
    private static void packWeights(float[] w, int cOut, int cIn, int t, MemorySegment wt) {
        int tiles = (cOut + t - 1) / t;
        long at = 0;
        for (int tile = 0; tile < tiles; tile++) {
            for (int p = 0; p < cIn * 9; p++) {
                for (int c = 0; c < t; c++, at += 4) {
                    int co = tile * t + c;
                    wt.set(Kernels.F, at, co < cOut ? w[co * cIn * 9 + p] : 0f);
                }
            }
        }
    }

    /**
     * Padded rows [rowFrom, rowTo) (clipped to the plane) of each of c planes (h, w) from x[base], surrounded by ph
     * rows and pw columns of zeros, into xp at plane * ci; rows outside the range are left as they are.
     */
    static void padPlanes(Kernels kr, float[] x, int base, int c, int h, int w, int ph, int pw, int rowFrom, int rowTo,
                          MemorySegment xp, long plane) {
        int wp = w + 2 * pw, hp = h + 2 * ph;
        rowTo = Math.min(rowTo, hp);
        for (int ci = 0; ci < c; ci++) {
            for (int ry = rowFrom; ry < rowTo; ry++) {
                long row = ci * plane + (long) ry * wp;
                int iy = ry - ph;
                if (iy < 0 || iy >= h) xp.asSlice(4 * row, 4L * wp).fill((byte) 0);
                else kr.padRow(x, base + (ci * h + iy) * w, w, pw, xp, row + pw);
            }
        }
    }

    // dW: (cOut, cIn, 3, 3) += sum over images of the correlation of dy: (n, cOut, oh, ow) with x: (n, cIn, h, w)
    static void backwardWeight(Kernels kr, float[] dy, float[] x, ConvGeometry g, float[] dw) {
        final int n = g.n(), cIn = g.cIn(), cOut = g.cOut(), oh = g.outH(), ow = g.outW(), h = g.h(), wd = g.w();
        final int wp = wd + 2 * g.padW(), plane = (g.h() + 2 * g.padH()) * wp, lanes = kr.directLanes();
        final int tiles = (cOut + 3) / 4, size = cOut * cIn * 9;
        final int parts = Math.min(n, WEIGHT_PARTS), chunkImages = chunkImages(plane);
        float[] partial = Workspace.get().directPartials(parts * size);
        Parallel.forEach(parts, part -> {
            int image0 = (int) ((long) n * part / parts), images = (int) ((long) n * (part + 1) / parts) - image0;
            // the part's images one after the other in each channel's row of planes, a whole number of lanes long
            int stride = GemmDriver.roundUp(images * plane, lanes);
            Workspace ws = Workspace.get();
            // (slack: the last positions' taps reach 2 rows and 2 columns on)
            long xFloats = (long) cIn * stride + 2L * wp + 2, dyFloats = (long) tiles * 4 * stride;
            MemorySegment xp = ws.directInput(xFloats).asSlice(0, 4 * xFloats);
            MemorySegment dyp = ws.directGradient(dyFloats).asSlice(0, 4 * dyFloats);
            padPart(kr, x, dy, g, image0, images, stride, xp, dyp);
            // per lane sums of one tile: (cIn, ky, 4 channels x kx, lanes)
            float[] sums = ws.directSums(cIn * 3 * 12 * lanes);
            int chunk = GemmDriver.roundUp(chunkImages * plane, lanes);
            for (int tile = 0; tile < tiles; tile++) {
                java.util.Arrays.fill(sums, 0, cIn * 36 * lanes, 0f);
                long dyTile = (long) tile * 4 * stride;
                // a chunk of positions at a time, so that the tile's dy and one channel of x stay in L1 over its passes
                for (int q0 = 0; q0 < stride; q0 += chunk) {
                    int len = Math.min(chunk, stride - q0);
                    for (int ci = 0; ci < cIn; ci++) {
                        long xRow = (long) ci * stride + q0;
                        kr.direct3x3WeightRows2(dyp, dyTile + q0, stride, xp, xRow, wp, len, sums, ci * 36 * lanes);
                        kr.direct3x3WeightRow(dyp, dyTile + q0, stride, xp, xRow + 2L * wp, len, sums, (ci * 36 + 24) * lanes);
                    }
                }
                for (int c = 0; c < 4 && tile * 4 + c < cOut; c++) {
                    for (int ci = 0; ci < cIn; ci++) {
                        for (int t = 0; t < 9; t++) {
                            float s = 0f;
                            for (int l = 0, o = ((ci * 3 + t / 3) * 12 + 3 * c + t % 3) * lanes; l < lanes; l++) s += sums[o + l];
                            partial[part * size + ((tile * 4 + c) * cIn + ci) * 9 + t] = s;
                        }
                    }
                }
            }
        });
        for (int i = 0; i < size; i++) {
            float s = 0f;
            for (int part = 0; part < parts; part++) s += partial[part * size + i];
            dw[i] += s;
        }
    }

    /**
     * Parts the weight gradient's batch is cut into, each summed by one task: a constant, so that dW has the same
     * bits for any thread count.
     */
    static final int WEIGHT_PARTS = 8;

    /** Whole images per chunk of the weight gradient's positions: about 1024 positions (4 KiB of each channel). */
    static int chunkImages(int plane) {
        return Math.max(1, 1024 / plane);
    }

    /**
     * The part's padded copies: xp (cIn, stride) with image i's padded planes at i * plane, and dyp (4 tiles' channels,
     * stride) with dy[image, co, oy, ox] at position i * plane + oy * wp + ox and zeros everywhere else.
     */
    private static void padPart(Kernels kr, float[] x, float[] dy, ConvGeometry g, int image0, int images, int stride,
                                MemorySegment xp, MemorySegment dyp) {
        final int cIn = g.cIn(), cOut = g.cOut(), oh = g.outH(), ow = g.outW(), h = g.h(), wd = g.w();
        final int wp = wd + 2 * g.padW(), plane = (h + 2 * g.padH()) * wp, used = images * plane;
        dyp.fill((byte) 0);
        for (int i = 0; i < images; i++) {
            int image = image0 + i;
            padPlanes(kr, x, image * cIn * h * wd, cIn, h, wd, g.padH(), g.padW(), 0, Integer.MAX_VALUE,
                    xp.asSlice(4L * i * plane), stride);
            for (int co = 0; co < cOut; co++) {
                for (int oy = 0; oy < oh; oy++) {
                    // (no margins: the spare positions are the zeros the fill left)
                    kr.padRow(dy, ((image * cOut + co) * oh + oy) * ow, ow, 0, dyp,
                            (long) co * stride + (long) i * plane + (long) oy * wp);
                }
            }
        }
        // what the dropped positions' taps read past the images (zeros times these): finite, whatever was there before
        for (int ci = 0; ci < cIn; ci++) xp.asSlice(4L * ((long) ci * stride + used), 4L * (stride - used)).fill((byte) 0);
        xp.asSlice(4L * cIn * stride).fill((byte) 0);
    }
}
