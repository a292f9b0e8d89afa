package org.resnet4j.core.cpu;

import java.lang.foreign.MemorySegment;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;
import org.resnet4j.core.cpu.GemmDriver.APacker;
import org.resnet4j.core.cpu.GemmDriver.BPacker;
import org.resnet4j.core.cpu.GemmDriver.PackedA;

/**
 * Convolution as GEMM. Per image and group, with K = cIn/g * kH * kW and P = outH * outW:
 * forward y_g (cOut/g, P) = W_g (cOut/g, K) * col (K, P), where col is im2col(x) packed straight
 * into the GEMM's B panels (never stored); a 1x1, stride-1, unpadded convolution uses x itself as B.
 * Backward input at stride 1: the forward convolution of dy, padded by dilation*(k-1) - pad, with the kernel
 * flipped and its channels transposed ({@link #transposedForward}). Strided: col = W_g^T dy_g, then col2im
 * adds col into dx. Backward weight: dW_g (cOut/g, K)
 * += dy (cOut/g, N*P) * col^T (N*P, K), one product whose K runs over every image in order, so the
 * sum over images has a fixed order whatever the thread count. W (forward) and W^T (backward input) are
 * packed once per call and shared by every image's product (GemmDriver.PackedA).
 *
 * <p>3x3 stride-1 convolutions with enough channels and pixels run by Winograd's F(2x2, 3x3) instead
 * ({@link Winograd}; -Dresnet4j.conv.winograd=auto|always|never), the forward and the stride-1 input gradient; those
 * with few channels (ResNet-20's) straight from a padded copy of the input ({@link DirectConv};
 * -Dresnet4j.conv.direct=auto|always|never), the forward, the stride-1 input gradient and, with the channels-last path
 * below off, the 16-channel weight gradient.
 *
 * <p>Small outputs, whose one-image product would leave a column panel part empty (ResNet-20's 7x7 and 14x14 layers),
 * multiply several images at once ({@link Im2colImages}; -Dresnet4j.conv.images=auto|always|never).
 *
 * <p>The weight gradient of a convolution with few output channels (ResNet-20's, ResNet-50's first stage) runs on
 * channels-last copies of x and dy instead: ResNet-20's as rank-one updates that read the copies in place
 * ({@link ChannelsLastWeightGradient}; -Dresnet4j.conv.clweight=auto|always|never), the others as a product over
 * packed copies ({@link #channelsLastWeight}).
 */
final class Conv {
    /** Floats of the per-thread column buffer of backward-input (about 1 MiB). */
    private static final int COL_BUDGET = 1 << 18;

    private Conv() {}

    // y: (n, cOut, oh, ow) = conv(x: (n, cIn, h, w), w: (cOut, cIn/g, kH, kW)) + bias: (cOut)
    static void forward(Kernels kr, float[] x, float[] w, float[] bias, ConvGeometry g, float[] y) {
        forward(kr, x, w, bias, g, y, null);
    }

    /** The forward with each output tile finished by {@code finish} (nullable; see {@link OutputEpilogue}) as it is stored. */
    static void forward(Kernels kr, float[] x, float[] w, float[] bias, ConvGeometry g, float[] y, OutputEpilogue finish) {
        if (Winograd.chosen(g)) Winograd.forward(kr, x, w, bias, g, y, finish);
        else if (DirectConv.chosen(g)) DirectConv.forward(kr, x, w, bias, g, y, finish);
        else forwardIm2col(kr, x, w, bias, g, y, finish);
    }

    static void forwardIm2col(Kernels kr, float[] x, float[] w, float[] bias, ConvGeometry g, float[] y) {
        forwardIm2col(kr, x, w, bias, g, y, null);
    }

    static void forwardIm2col(Kernels kr, float[] x, float[] w, float[] bias, ConvGeometry g, float[] y, OutputEpilogue after) {
        if (Im2colImages.chosen(kr, g)) {
            Im2colImages.forward(kr, x, w, bias, g, y, after);
            return;
        }
        final int groups = g.groups(), copg = g.cOutPerGroup(), cpg = g.cInPerGroup();
        final int kk = cpg * g.kH() * g.kW(), ohw = g.outH() * g.outW(), hw = g.h() * g.w(), nr = kr.nr();
        final boolean pointwise = g.isPointwise();
        // tasks: (image, group, column chunk); chunks only when there are fewer images than threads
        int perImage = g.n() * groups;
        int chunks = Math.max(1, Math.min((ohw + nr - 1) / nr, (2 * Parallel.threads() + perImage - 1) / perImage));
        if (perImage >= Parallel.threads()) chunks = 1;
        final int chunkCols = GemmDriver.roundUp((ohw + chunks - 1) / chunks, nr), nChunks = chunks;
        // the weights are packed once here, not once per image: with small images (ResNet-50's 7x7 layer4,
        // 2304x512 weights for 49 pixels) packing them costs as much as the product
        PackedA[] packedW = packWeights(kr, w, groups, copg, kk, false);
        // the bias, then whatever the caller fused after it, on each tile of y while it is in cache
        final OutputEpilogue finish = OutputEpilogue.withBias(after, bias);
        Parallel.forEach(perImage * nChunks, t -> {
            int image = t / (groups * nChunks), gr = (t / nChunks) % groups, chunk = t % nChunks;
            int j0 = chunk * chunkCols, j1 = Math.min(ohw, j0 + chunkCols);
            if (j0 >= j1) return;
            int xBase = (image * g.cIn() + gr * cpg) * hw;
            int offY = (image * g.cOut() + gr * copg) * ohw;
            APacker ap = packedW[gr];
            BPacker bp;
            if (pointwise) {
                bp = GemmDriver.matrixB(kr, x, xBase, hw, false);
            } else if (g.strideW() == g.strideH() && g.strideW() <= 2) {
                // materialize the padding once so the packing reads runs (stride 1: contiguous, stride 2: every
                // other float) with no bounds tests; unpadded (the 1x1 downsampling layers) it reads x itself
                int hp = g.h() + 2 * g.padH(), wp = g.w() + 2 * g.padW();
                boolean padded = g.padH() > 0 || g.padW() > 0;
                float[] xp = padded ? Workspace.get().pad(cpg * hp * wp) : x;
                if (padded) padPlanes(x, xBase, cpg, g.h(), g.w(), g.padH(), g.padW(), xp, 0);
                int xpBase = padded ? 0 : xBase;
                bp = (p0, kc, jj, nc, dst) -> kr.packBIm2colPadded(xp, xpBase, hp, wp, g, p0, kc, jj, nc, dst);
            } else {
                bp = (p0, kc, jj, nc, dst) -> kr.packBIm2col(x, xBase, g, p0, kc, jj, nc, dst);
            }
            GemmDriver.TileDone done = finish == null ? null : (i0, i1, c0, c1) -> {
                for (int co = i0; co < i1; co++) finish.apply(kr, gr * copg + co, y, offY + co * ohw + c0, offY + co * ohw + c1);
            };
            GemmDriver.block(kr, 0, copg, j0, j1, kk, 1f, ap, bp, 0f, y, offY, ohw, done);
        });
    }

    /**
     * Each group's W_g (copg x kk), or W_g^T (kk x copg) when transposed, packed whole into the calling
     * thread's shared buffer, for all tasks of this call to read.
     */
    static PackedA[] packWeights(Kernels kr, float[] w, int groups, int copg, int kk, boolean transposed) {
        int m = transposed ? kk : copg, k = transposed ? copg : kk;
        long per = PackedA.floats(kr, m, k);
        MemorySegment shared = Workspace.get().sharedA(per * groups);
        PackedA[] packed = new PackedA[groups];
        for (int gr = 0; gr < groups; gr++) {
            packed[gr] = PackedA.of(kr, GemmDriver.matrixA(kr, w, gr * copg * kk, kk, transposed), m, k,
                    shared.asSlice(gr * per * 4, per * 4));
        }
        return packed;
    }

    /** xp[at ...] (c, h+2ph, w+2pw) = x planes (c, h, w) starting at x[base], surrounded by zeros. */
    static void padPlanes(float[] x, int base, int c, int h, int w, int ph, int pw, float[] xp, int at) {
        int hp = h + 2 * ph, wp = w + 2 * pw;
        for (int ci = 0; ci < c; ci++) {
            int plane = at + ci * hp * wp;
            // zeros only where nothing is copied: the top and bottom rows, and each row's left and right margins
            java.util.Arrays.fill(xp, plane, plane + ph * wp, 0f);
            java.util.Arrays.fill(xp, plane + (ph + h) * wp, plane + hp * wp, 0f);
            for (int iy = 0; iy < h; iy++) {
                int row = plane + (iy + ph) * wp;
                // margins of a float or two: plain stores (Arrays.fill's call per margin was 5% of ResNet-20's inference)
                for (int i = 0; i < pw; i++) {
                    xp[row + i] = 0f;
                    xp[row + pw + w + i] = 0f;
                }
                System.arraycopy(x, base + (ci * h + iy) * w, xp, row + pw, w);
            }
        }
    }

    // dx: (n, cIn, h, w) = conv_transpose(dy: (n, cOut, oh, ow), w), overwritten
    static void backwardInput(Kernels kr, float[] dy, float[] w, ConvGeometry g, float[] dx) {
        ConvGeometry t = transposedForward(g);
        if (t != null) {
            // dx = the forward convolution of dy with the flipped, transposed kernel: depth K = cOut/g * kH * kW
            // like the forward's, instead of a product of depth cOut/g followed by col2im's scattered adds
            int kk = g.kH() * g.kW();
            float[] wt = Workspace.get().col(g.cIn() * g.cOutPerGroup() * kk);
            flipTransposed(w, g, wt);
            forward(kr, dy, wt, null, t, dx);
            return;
        }
        final int n = g.n();
        // W^T packed once for every image (see forward)
        PackedA[] packedWT = packWeights(kr, w, g.groups(), g.cOutPerGroup(), g.cInPerGroup() * g.kH() * g.kW(), true);
        boolean perImage = n >= Parallel.threads();
        if (perImage) {
            Parallel.forEach(n, image -> backwardInputImage(kr, dy, packedWT, g, dx, image, false));
        } else {
            for (int image = 0; image < n; image++) backwardInputImage(kr, dy, packedWT, g, dx, image, true);
        }
    }

    /**
     * The geometry of dx = conv(dy, flipped W^T) when a stride-1 input gradient is such a forward convolution:
     * dy (n, cOut, oh, ow) padded by dilation*(k-1) - pad gives back (n, cIn, h, w). Null for strided
     * convolutions, pointwise ones (a plain GEMM already), and padding beyond the dilated kernel.
     */
    static ConvGeometry transposedForward(ConvGeometry g) {
        if (g.strideH() != 1 || g.strideW() != 1 || g.isPointwise()) return null;
        int ph = g.dilationH() * (g.kH() - 1) - g.padH(), pw = g.dilationW() * (g.kW() - 1) - g.padW();
        if (ph < 0 || pw < 0) return null;
        return new ConvGeometry(g.n(), g.cOut(), g.outH(), g.outW(), g.cIn(), g.kH(), g.kW(), 1, 1, ph, pw,
                g.dilationH(), g.dilationW(), g.groups());
    }

    /** wt (cIn, cOut/g, kH, kW): wt[gr*cpg + i, o, ky, kx] = w[gr*copg + o, i, kH-1-ky, kW-1-kx] for each group gr. */
    static void flipTransposed(float[] w, ConvGeometry g, float[] wt) {
        int cpg = g.cInPerGroup(), copg = g.cOutPerGroup(), kk = g.kH() * g.kW();
        for (int gr = 0; gr < g.groups(); gr++) {
            for (int o = 0; o < copg; o++) {
                for (int i = 0; i < cpg; i++) {
                    int src = ((gr * copg + o) * cpg + i) * kk, dst = ((gr * cpg + i) * copg + o) * kk;
                    for (int t = 0; t < kk; t++) wt[dst + t] = w[src + kk - 1 - t];
                }
            }
        }
    }

    private static void backwardInputImage(Kernels kr, float[] dy, PackedA[] packedWT, ConvGeometry g, float[] dx, int image,
                                           boolean parallelGemm) {
        final int groups = g.groups(), copg = g.cOutPerGroup(), cpg = g.cInPerGroup();
        final int kk = cpg * g.kH() * g.kW(), oh = g.outH(), ow = g.outW(), ohw = oh * ow, hw = g.h() * g.w();
        if (g.isPointwise()) {
            for (int gr = 0; gr < groups; gr++) {
                // dx_g (cpg, hw) = W_g^T (cpg, copg) * dy_g (copg, hw)
                GemmDriver.run(kr, cpg, hw, copg, 1f, packedWT[gr],
                        GemmDriver.matrixB(kr, dy, (image * g.cOut() + gr * copg) * ohw, ohw, false),
                        0f, dx, (image * g.cIn() + gr * cpg) * hw, hw, parallelGemm);
            }
            return;
        }
        java.util.Arrays.fill(dx, image * g.cIn() * hw, (image + 1) * g.cIn() * hw, 0f);
        int rowsPer = Math.max(1, Math.min(oh, COL_BUDGET / Math.max(1, kk * ow)));
        float[] col = Workspace.get().col(kk * rowsPer * ow);
        for (int gr = 0; gr < groups; gr++) {
            int offY = (image * g.cOut() + gr * copg) * ohw;
            int xBase = (image * g.cIn() + gr * cpg) * hw;
            for (int oy0 = 0; oy0 < oh; oy0 += rowsPer) {
                int rows = Math.min(rowsPer, oh - oy0), cols = rows * ow;
                // col (kk, cols) = W_g^T (kk, copg) * dy_g[:, oy0*ow : oy0*ow + cols]
                GemmDriver.run(kr, kk, cols, copg, 1f, packedWT[gr], GemmDriver.matrixB(kr, dy, offY + oy0 * ow, ohw, false),
                        0f, col, 0, cols, parallelGemm);
                col2im(kr, col, cols, oy0, rows, g, dx, xBase);
            }
        }
    }

    /** dx += col2im(col) for output rows [oy0, oy0 + rows); col is (kk, rows*ow). */
    private static void col2im(Kernels kr, float[] col, int cols, int oy0, int rows, ConvGeometry g, float[] dx, int xBase) {
        final int kH = g.kH(), kW = g.kW(), hIn = g.h(), wIn = g.w(), ow = g.outW();
        final int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW(), dh = g.dilationH(), dw = g.dilationW();
        int r = 0;
        for (int c = 0; c < g.cInPerGroup(); c++) {
            int plane = xBase + c * hIn * wIn;
            for (int ky = 0; ky < kH; ky++) {
                for (int kx = 0; kx < kW; kx++, r++) {
                    for (int oy = oy0; oy < oy0 + rows; oy++) {
                        int iy = oy * sh - ph + ky * dh;
                        if (iy < 0 || iy >= hIn) continue;
                        int ix0 = -pw + kx * dw;
                        int tLo = ix0 >= 0 ? 0 : Math.min(ow, (-ix0 + sw - 1) / sw);
                        int tHi = ix0 >= wIn ? 0 : Math.min(ow, (wIn - ix0 + sw - 1) / sw);
                        int src = r * cols + (oy - oy0) * ow, dst = plane + iy * wIn + ix0;
                        if (sw == 1) {
                            if (tHi > tLo) kr.accumulate(col, src + tLo, dx, dst + tLo, tHi - tLo);
                        } else {
                            for (int t = tLo; t < tHi; t++) dx[dst + t * sw] += col[src + t];
                        }
                    }
                }
            }
        }
    }

    // dW: (cOut, cIn/g, kH, kW) += sum over images of dy_g * col^T, accumulating
    static void backwardWeight(Kernels kr, float[] dy, float[] x, ConvGeometry g, float[] dw) {
        if (Winograd.chosenForWeightGradient(g)) {
            Winograd.backwardWeight(kr, dy, x, g, dw);
            return;
        }
        if (ChannelsLastWeightGradient.chosen(kr, g)) {
            ChannelsLastWeightGradient.backwardWeight(kr, dy, x, g, dw);
            return;
        }
        if (DirectConv.chosenForWeightGradient(g)) {
            DirectConv.backwardWeight(kr, dy, x, g, dw);
            return;
        }
        if (channelsLastWeight(g)) {
            backwardWeightChannelsLast(kr, dy, x, g, dw);
            return;
        }
        final int groups = g.groups(), copg = g.cOutPerGroup(), cpg = g.cInPerGroup();
        final int kk = cpg * g.kH() * g.kW(), ohw = g.outH() * g.outW(), hw = g.h() * g.w();
        final int yStride = g.cOut() * ohw, xStride = g.cIn() * hw;
        for (int gr = 0; gr < groups; gr++) {
            int offY = gr * copg * ohw, xBase = gr * cpg * hw;
            APacker ap = (i0, mc, p0, kc, dst) -> kr.packABatched(dy, offY, ohw, ohw, yStride, i0, mc, p0, kc, dst);
            BPacker bp = (p0, kc, j0, nc, dst) -> kr.packBIm2colT(x, xBase, xStride, g, p0, kc, j0, nc, dst);
            int pixels = g.n() * ohw;
            // a long K (every pixel of the batch) and a small dW: split K rather than dW's rows (GemmDriver.splitKPays)
            if (GemmDriver.splitKPays(copg, kk, pixels)) {
                GemmDriver.runSplitK(kr, copg, kk, pixels, 1f, ap, bp, 1f, dw, gr * copg * kk, kk);
            } else {
                // dW wider than tall: GemmDriver.run gives the tasks column strips, and each would pack all of dy; pack
                // it once and share it. ResNet-50's 3x3 128/256/512 and 1x1 1024->256, N=8: +0.5% to +1.9% (medians of
                // 40 alternations); taller ones get row strips and pack only their rows (1x1 128->512: -10% shared)
                if (copg < kk) ap = PackedA.of(kr, ap, copg, pixels, Workspace.get().sharedA(PackedA.floats(kr, copg, pixels)));
                GemmDriver.run(kr, copg, kk, pixels, 1f, ap, bp, 1f, dw, gr * copg * kk, kk, true);
            }
        }
    }

    /**
     * True when the weight gradient runs on channels-last copies ({@link #backwardWeightChannelsLast}): one group, a
     * kernel that is not pointwise, at least 16 input channels (a panel's six rows then span at most two taps) and at
     * most 64 output channels. Measured on the 2-core AVX2 machine (GFLOP/s, channels-last vs im2col, ConvBench
     * backwardWeight): ResNet-20's 3x3 16->16 32x32 N=128 57-58 vs 41-43 (the direct convolution this replaced: 41),
     * 32->32 16x16 70-78 vs 43-45, 64->64 8x8 99-108 vs 56-58, its stride-2 16->32 53 vs 38 and 32->64 74 vs 55; ResNet-50's 3x3 64->64 56x56 N=8 98-104 vs 100-104. With more output channels the
     * im2col product is already efficient and the copies do not pay (3x3 128->128 28x28 110 vs 116, 3x3/2 128->128
     * 97-103 vs 114, 1x1/2 256->512 74 vs 104: a strided kernel copies pixels it never reads), nor with three input
     * channels (the 7x7/2 stem, 58-62 vs 86).
     */
    static boolean channelsLastWeight(ConvGeometry g) {
        return g.groups() == 1 && !g.isPointwise() && g.cIn() >= 16 && g.cOut() <= 64;
    }

    /**
     * dW as one product over channels-last copies, x to xT (n, h+2ph, w+2pw, cIn) and dy to dyT (n*oh*ow, cOut):
     * dW^T (kH*kW*cIn, cOut) = A (kH*kW*cIn, n*oh*ow) * dyT, where A's row (ky, kx, ci) and column q = (image, oy, ox)
     * is x's padded pixel (oy*sh + ky*dh, ox*sw + kx*dw), channel ci. A panel's rows are then consecutive floats of
     * xT and dyT's rows are B's, so both pack by copying instead of transposing each tap's copy of x (the im2col
     * path's packBIm2colT, with element-wise gathers at the padded edges); and with cOut as the product's short
     * side (16 to 64: one to four micro-kernel columns) every tile is full. dW^T is added into dW at the end.
     */
    private static void backwardWeightChannelsLast(Kernels kr, float[] dy, float[] x, ConvGeometry g, float[] dw) {
        final int n = g.n(), c = g.cIn(), h = g.h(), w = g.w(), co = g.cOut(), khw = g.kH() * g.kW();
        final int ph = g.padH(), pw = g.padW(), hp = h + 2 * ph, wp = w + 2 * pw, ohw = g.outH() * g.outW();
        final int kk = khw * c, xImage = hp * wp * c;
        Workspace ws = Workspace.get();
        float[] xT = ws.xChannelsLast(n * xImage), dyT = ws.dyChannelsLast(n * ohw * co), dwT = ws.col(kk * co);
        Parallel.forEach(n, image -> {
            kr.toChannelsLast(x, image * c * h * w, c, h, w, ph, pw, xT, image * xImage);
            kr.toChannelsLast(dy, image * co * ohw, co, g.outH(), g.outW(), 0, 0, dyT, image * ohw * co);
        });
        APacker ap = (i0, mc, p0, kc, dst) -> kr.packAChannelsLastTaps(xT, hp, wp, g, i0, mc, p0, kc, dst);
        BPacker bp = GemmDriver.matrixB(kr, dyT, 0, co, false);
        if (GemmDriver.splitKPays(kk, co, n * ohw)) GemmDriver.runSplitK(kr, kk, co, n * ohw, 1f, ap, bp, 0f, dwT, 0, co);
        else GemmDriver.run(kr, kk, co, n * ohw, 1f, ap, bp, 0f, dwT, 0, co, true);
        for (int o = 0; o < co; o++) {
            for (int ci = 0; ci < c; ci++) {
                int to = (o * c + ci) * khw;
                for (int t = 0; t < khw; t++) dw[to + t] += dwT[(t * c + ci) * co + o];
            }
        }
    }
}
