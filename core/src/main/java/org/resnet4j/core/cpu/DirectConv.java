package org.resnet4j.core.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;

/**
 * Direct convolution for stride 1 (no im2col): the driver, independent of the Vector API; the register
 * tiles are {@link #forwardTile} and {@link #weightTile}, implemented by {@code VectorDirectConv}.
 * {@link Conv} uses it for the input and weight gradients of small convolutions ({@link #faster}).
 *
 * <p><b>Flattened padded planes.</b> Each input plane (h, w) is copied once into a zero-padded plane of
 * width wp = w + 2*padW, stored row after row in a per-thread native segment. With stride 1, output
 * (oy, ox) reads input (oy + ky, ox + kx) of the padded plane, i.e. flat index p + ky*wp + kx with
 * p = oy*wp + ox. So over the flat index p in [0, oh*wp)
 * <pre>  out[oc][p] = sum over ic, ky, kx of w[oc, ic, ky, kx] * xpad[ic][p + ky*wp + kx]</pre>
 * is one contiguous, unit-stride computation for any width: consecutive p are consecutive floats, so a
 * vector of p is one unaligned load. The columns with p % wp >= ow are garbage (they read across the row
 * end) and are never stored; they cost (kW-1)/wp of the work.
 *
 * <p><b>Why it can beat im2col.</b> The im2col GEMM packs (or, for the weight gradient, gathers element
 * by element) kH*kW copies of every input into panels before the micro-kernel sees them, and the input
 * gradient adds its columns back with col2im; with 16 channels the depth K = 144 is short, so that
 * traffic costs about as much as the multiply. Here the input is copied once (padding) and read in place.
 * With more channels the packing is a small share and the GEMM micro-kernel, which reads aligned packed
 * panels with constant strides, runs faster than these tiles; hence {@link #faster}.
 *
 * <p><b>Forward</b> ({@link #forward}, the machinery of the input gradient): a register tile is 6 output
 * channels x 2 vectors of p (12 accumulators); per (tap, ic) it loads 2 vectors of input, broadcasts 6
 * weights and issues 12 FMAs, all (tap, ic) pairs in one flat loop whose input offsets come from a
 * table. Weights are repacked once per call as [ocBlock][icChunk][ky][kx][ic][6]. A task is (image,
 * band of output rows): it pads only the input rows the band needs into its own buffer, then for each
 * tile of p runs the output-channel blocks over it, so the tile's input rows stay in L1 (input channels
 * are cut into chunks of at most {@link #L1_FLOATS} floats of tile input) while the weights come from
 * L2. Outputs collect in a per-thread flat buffer and are copied out without the garbage columns.
 *
 * <p><b>Backward input</b> ({@link #backwardInput}, stride 1): dx is the forward convolution of dy padded
 * by k-1-pad with the kernel flipped in ky, kx and transposed (ic and oc swapped).
 *
 * <p><b>Backward weight</b> ({@link #backwardWeight}): dW[oc][ic, ky, kx] += sum over n, p of
 * dyW[n, oc][p] * xpad[n, ic][p + ky*wp + kx], where dyW is dy in width-wp rows with zero garbage
 * columns. A register tile is 3 output channels x 3 kernel columns: per vector of p, 3 + 3 loads and 9
 * FMAs. The sum over (image, p) runs in fixed blocks (a block is a band of rows of one image, or a group
 * of whole small images; block sizes depend on the shape only): each block sums in fresh registers,
 * then is added lane-wise to a per-tile accumulator in memory; the lanes are summed in order at the end.
 * Tasks own disjoint ranges of dW (output-channel blocks x input channels), never images or p, so the
 * result is bit-identical for any thread count. The forward and input gradient are too: every output is
 * one FMA chain in a fixed order, whichever task computes it.
 *
 * <p>Scratch memory is per thread and grown on demand, so calls allocate nothing once warm.
 */
abstract class DirectConv {
    /** Unaligned float access: no per-access alignment test in the hot loops. */
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Output channels per forward register tile. */
    static final int OCB = 6;
    /** Vectors of p per forward register tile. */
    static final int PV = 2;
    /** Output channels per weight-gradient register tile. */
    static final int WOCB = 3;
    /** Kernel columns per weight-gradient register tile. */
    static final int KXB = 3;
    /** Input floats one forward tile may touch per input-channel chunk (the L1 is 32 KiB). */
    static final int L1_FLOATS = 5 * 1024;
    /** Floats of a forward task's input and output bands together (the L2 is 512 KiB). */
    static final int L2_FLOATS = 48 * 1024;
    /** Bytes of packed forward weights that one pass of tiles runs over (kept in the 512 KiB L2). */
    static final long W_L2_BYTES = 128 * 1024;
    /** Floats of a weight-gradient block's input band over all input channels. */
    static final int BW_L2_FLOATS = 40 * 1024;

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /** Float lanes of a vector. */
    final int lanes;

    DirectConv(int lanes) {
        this.lanes = lanes;
    }

    /**
     * True when the direct kernels compute this convolution: one group, stride 1, no dilation, padding at
     * most k-1 on each side (so backward input is again a padded stride-1 convolution), and not pointwise
     * (a 1x1 unpadded convolution is a plain GEMM on x itself).
     */
    static boolean applies(ConvGeometry g) {
        return g.groups() == 1 && g.strideH() == 1 && g.strideW() == 1 && g.dilationH() == 1 && g.dilationW() == 1
                && g.padH() <= g.kH() - 1 && g.padW() <= g.kW() - 1 && !g.isPointwise();
    }

    /** Fewest and most channels (in and out) for which {@link #faster} picks the direct kernels. */
    static final int MIN_FASTER_CHANNELS = 8, MAX_FASTER_CHANNELS = 16;

    /**
     * True when the direct kernels beat the im2col GEMM for the input and weight gradients of g: 8 to 16
     * input and output channels. Measured single-threaded on the 2-core AVX2 machine (GFLOP/s, GEMM
     * path vs direct): input gradient 3x3 16->16 32x32 N=128 18-24 vs 28-30, 32->32 16x16 32 vs 31,
     * 64->64 8x8 34 vs 31, 64->64 56x56 N=8 56 vs 35; weight gradient 16->16 19 vs 23, 32->32 27 vs 27,
     * 64->64 8x8 33 vs 18. With more channels the GEMM's packing is a small share and its micro-kernel
     * (aligned packed panels) runs faster than these tiles, whose inputs are unaligned and come through
     * an offset table. With very few channels the 6-channel and 3-channel tiles are mostly padding
     * (input gradient of 3->16: 18.5 vs 13-16). The forward always takes the GEMM path: its padded im2col
     * packing is cheap (16->16: 44 vs 31).
     */
    static boolean faster(ConvGeometry g) {
        return Math.min(g.cIn(), g.cOut()) >= MIN_FASTER_CHANNELS && Math.max(g.cIn(), g.cOut()) <= MAX_FASTER_CHANNELS;
    }

    // ------------------------------------------------------------------ register tiles

    /**
     * out[j][q] (+)= sum over i < n of w[i][j] * x[off[i] + q] for the 6 output channels j and q in
     * [0, nv*lanes), i in order: one flat loop over (tap, input channel), the input offsets from a table
     * (a nest of loops around the vector accumulators compiled to code about half as fast). Offsets in
     * bytes: x at xo + off[i]; packed weights at wo, 6 floats per i; out at oo, output channels outPlaneB
     * apart. With add the tile is added to out, else stored.
     */
    abstract void forwardTile(MemorySegment x, long xo, long[] off, int n, MemorySegment w, long wo,
                              MemorySegment out, long oo, long outPlaneB, int nv, boolean add);

    /**
     * acc[j][kx] += lane-wise sum over images i < imgs and q < steps*lanes of
     * dy[j][q] * x[q + kx], for output channels j < 3 and kx < 3. Offsets in bytes: dy at dyo, its
     * channels dyPlaneB apart, images dyImgB apart; x at xo, images xImgB apart; acc at ao holds
     * 9 vectors in order (j, kx).
     */
    abstract void weightTile(MemorySegment dy, long dyo, long dyPlaneB, long dyImgB, MemorySegment x, long xo,
                             long xImgB, int imgs, int steps, MemorySegment acc, long ao);

    // ------------------------------------------------------------------ forward and backward input

    // y: (n, cOut, oh, ow) = conv(x: (n, cIn, h, w), w: (cOut, cIn, kH, kW)) + bias: (cOut)
    void forward(float[] x, float[] w, float[] bias, ConvGeometry g, float[] y) {
        MemorySegment wp = packWeights(w, g.cOut(), g.cIn(), g.kH(), g.kW(), false);
        run(x, g.n(), g.cIn(), g.h(), g.w(), g.cOut(), g.kH(), g.kW(), g.padH(), g.padW(), wp, bias, y);
    }

    // dx: (n, cIn, h, w) = conv(dy: (n, cOut, oh, ow) padded by k-1-pad, flipped transposed w), overwritten
    void backwardInput(float[] dy, float[] w, ConvGeometry g, float[] dx) {
        MemorySegment wp = packWeights(w, g.cOut(), g.cIn(), g.kH(), g.kW(), true);
        run(dy, g.n(), g.cOut(), g.outH(), g.outW(), g.cIn(), g.kH(), g.kW(), g.kH() - 1 - g.padH(),
                g.kW() - 1 - g.padW(), wp, null, dx);
    }

    /**
     * The weights as [ocBlock][icChunk][ky][kx][ic in chunk][6] in the calling thread's buffer, zero for
     * channels past the end, so a tile reads them in the order of its flat (tap, input channel) loop.
     * Transposed (for backward input): the "output" channels are w's input channels and the kernel is
     * flipped, so tile weight (o, i, ky, kx) is w[i, o, kH-1-ky, kW-1-kx].
     */
    private MemorySegment packWeights(float[] w, int cOut, int cIn, int kH, int kW, boolean transposed) {
        int outC = transposed ? cIn : cOut, inC = transposed ? cOut : cIn, kk = kH * kW;
        int blocks = (outC + OCB - 1) / OCB, icb = inputChunk(inC, kH, kW);
        MemorySegment s = BUFFERS.get().weights((long) blocks * OCB * inC * kk);
        long at = 0;
        for (int ob = 0; ob < blocks; ob++) {
            for (int ic0 = 0; ic0 < inC; ic0 += icb) {
                for (int t = 0; t < kk; t++) {
                    for (int i = ic0; i < Math.min(inC, ic0 + icb); i++) {
                        for (int j = 0; j < OCB; j++, at += 4) {
                            int o = ob * OCB + j;
                            float v = 0f;
                            if (o < outC) {
                                v = transposed ? w[(i * cIn + o) * kk + kk - 1 - t] : w[(o * cIn + i) * kk + t];
                            }
                            s.set(F, at, v);
                        }
                    }
                }
            }
        }
        return s;
    }

    /** Input channels per chunk: one tile's input rows (kH rows of a tile's width per channel) stay in L1. */
    private int inputChunk(int c, int kH, int kW) {
        int most = Math.max(1, L1_FLOATS / (kH * (PV * lanes + kW - 1 + lanes)));
        int chunks = (c + most - 1) / most;
        return (c + chunks - 1) / chunks;
    }

    /** Forward stride-1 convolution of src (n, c, h, w) padded by (ph, pw) with packed weights into y. */
    private void run(float[] src, int n, int c, int h, int w, int co, int kH, int kW, int ph, int pw,
                     MemorySegment wp, float[] bias, float[] y) {
        final int wpd = w + 2 * pw, oh = h + 2 * ph - kH + 1, ow = wpd - kW + 1, kk = kH * kW, tileP = PV * lanes;
        final int obs = (co + OCB - 1) / OCB, coPad = obs * OCB;
        final int icb = inputChunk(c, kH, kW);
        // bands of output rows: input and output bands in L2, and at least two tasks per thread
        int rows = Math.max(1, Math.min(oh, L2_FLOATS / ((c + coPad) * wpd) - (kH - 1)));
        int perImage = (2 * Parallel.threads() + n - 1) / n;
        if (perImage > 1) rows = Math.min(rows, Math.max(1, (oh + perImage - 1) / perImage));
        final int bandRows = rows, bands = (oh + rows - 1) / rows;
        Parallel.forEach(n * bands, t -> {
            int img = t / bands, oy0 = (t % bands) * bandRows, r = Math.min(bandRows, oh - oy0);
            Buffers b = BUFFERS.get();
            int inRows = r + kH - 1;
            long plane = (long) inRows * wpd;
            MemorySegment xs = b.in(c * plane + tileP + kW);
            for (int ci = 0; ci < c; ci++) {
                padRows(src, (img * c + ci) * h * w, h, w, ph, pw, oy0, inRows, xs, 4 * ci * plane);
            }
            int pCount = r * wpd;
            long outPlane = roundUp(pCount, lanes);
            MemorySegment os = b.out(coPad * outPlane);
            for (int ic0 = 0; ic0 < c; ic0 += icb) {
                int icn = Math.min(icb, c - ic0), taps = kk * icn;
                // input offsets of the flat (tap, input channel) loop, in bytes from the tile's p
                long[] off = b.offsets(taps);
                for (int tap = 0, i = 0; tap < kk; tap++) {
                    for (int ci = 0; ci < icn; ci++, i++) off[i] = 4 * ((tap / kW) * wpd + tap % kW + ci * plane);
                }
                // groups of output-channel blocks whose weights stay in L2 while the tiles run over them
                int group = (int) Math.max(1, W_L2_BYTES / (4L * OCB * taps));
                for (int ob0 = 0; ob0 < obs; ob0 += group) {
                    for (int p0 = 0; p0 < pCount; p0 += tileP) {
                        int nv = Math.min(PV, (pCount - p0 + lanes - 1) / lanes);
                        long xo = 4 * (ic0 * plane + p0);
                        for (int ob = ob0; ob < Math.min(obs, ob0 + group); ob++) {
                            forwardTile(xs, xo, off, taps, wp, 4L * OCB * ((long) ob * kk * c + (long) ic0 * kk),
                                    os, 4 * (ob * OCB * outPlane + p0), 4 * outPlane, nv, ic0 > 0);
                        }
                    }
                }
            }
            for (int oc = 0; oc < co; oc++) {
                float bv = bias == null ? 0f : bias[oc];
                for (int rr = 0; rr < r; rr++) {
                    long from = 4 * (oc * outPlane + (long) rr * wpd);
                    int to = ((img * co + oc) * oh + oy0 + rr) * ow;
                    if (bias == null) {
                        MemorySegment.copy(os, F, from, y, to, ow);
                    } else {
                        for (int i = 0; i < ow; i++) y[to + i] = os.get(F, from + 4L * i) + bv;
                    }
                }
            }
        });
    }

    /**
     * Rows [row0, row0 + rows) of the plane at src[base] (h, w) padded by (ph, pw), as flat rows of width
     * w + 2*pw at dst[off] (bytes); rows outside the plane are zeros.
     */
    static void padRows(float[] src, int base, int h, int w, int ph, int pw, int row0, int rows,
                        MemorySegment dst, long off) {
        int wpd = w + 2 * pw;
        for (int r = row0; r < row0 + rows; r++, off += 4L * wpd) {
            int iy = r - ph;
            if (iy < 0 || iy >= h) {
                dst.asSlice(off, 4L * wpd).fill((byte) 0);
                continue;
            }
            for (int i = 0; i < pw; i++) {
                dst.set(F, off + 4L * i, 0f);
                dst.set(F, off + 4L * (pw + w + i), 0f);
            }
            MemorySegment.copy(src, base + iy * w, dst, F, off + 4L * pw, w);
        }
    }

    // ------------------------------------------------------------------ backward weight

    // dW: (cOut, cIn, kH, kW) += sum over images and output positions of dy * x, accumulating
    void backwardWeight(float[] dy, float[] x, ConvGeometry g, float[] dw) {
        final int n = g.n(), c = g.cIn(), h = g.h(), w = g.w(), co = g.cOut(), kH = g.kH(), kW = g.kW();
        final int ph = g.padH(), pw = g.padW(), wpd = w + 2 * pw, oh = g.outH(), ow = g.outW();
        final int obs = (co + WOCB - 1) / WOCB, kxt = (kW + KXB - 1) / KXB, tileF = WOCB * KXB * lanes;
        // summation blocks, from the shape only: a band of rows of one image, or a group of whole images
        int target = Math.max(16 * lanes, Math.min(512 * lanes, BW_L2_FLOATS / c));
        int imgP = oh * wpd;
        final int rows = imgP >= target ? Math.max(1, target / wpd) : oh;
        final int group = imgP >= target ? 1 : Math.min(n, Math.max(1, target / imgP));
        final int bands = (oh + rows - 1) / rows, groups = (n + group - 1) / group;
        // tasks: disjoint dW ranges (output-channel blocks x input channels)
        int threads = Parallel.threads();
        final int obParts = Math.min(obs, threads), icParts = Math.min(c, (threads + obParts - 1) / obParts);
        Parallel.forEach(obParts * icParts, t -> {
            int ob0 = obs * (t / icParts) / obParts, ob1 = obs * (t / icParts + 1) / obParts;
            int ic0 = c * (t % icParts) / icParts, ic1 = c * (t % icParts + 1) / icParts;
            int obn = ob1 - ob0, icn = ic1 - ic0;
            if (obn <= 0 || icn <= 0) return;
            Buffers b = BUFFERS.get();
            long tiles = (long) obn * icn * kH * kxt;
            MemorySegment acc = b.acc(tiles * tileF);
            acc.asSlice(0, 4 * tiles * tileF).fill((byte) 0);
            for (int gi = 0; gi < groups; gi++) {
                int img0 = gi * group, imgs = Math.min(group, n - img0);
                for (int band = 0; band < bands; band++) {
                    int oy0 = band * rows, r = Math.min(rows, oh - oy0), inRows = r + kH - 1;
                    int steps = (r * wpd + lanes - 1) / lanes;
                    long xPlane = (long) inRows * wpd, xImg = icn * xPlane;
                    long dyPlane = (long) steps * lanes, dyImg = obn * WOCB * dyPlane;
                    long slack = KXB * kxt + lanes;
                    MemorySegment xs = b.in(imgs * xImg + slack);
                    MemorySegment ds = b.out(imgs * dyImg);
                    for (int im = 0; im < imgs; im++) {
                        for (int ci = 0; ci < icn; ci++) {
                            padRows(x, ((img0 + im) * c + ic0 + ci) * h * w, h, w, ph, pw, oy0, inRows, xs,
                                    4 * (im * xImg + ci * xPlane));
                        }
                        for (int j = 0; j < obn * WOCB; j++) {
                            int oc = ob0 * WOCB + j;
                            long off = 4 * (im * dyImg + j * dyPlane);
                            if (oc >= co) {
                                ds.asSlice(off, 4 * dyPlane).fill((byte) 0);
                                continue;
                            }
                            widenRows(dy, ((img0 + im) * co + oc) * oh * ow + oy0 * ow, r, ow, wpd, ds, off);
                            long used = 4L * r * wpd;
                            ds.asSlice(off + used, 4 * dyPlane - used).fill((byte) 0);
                        }
                    }
                    xs.asSlice(4 * imgs * xImg, 4 * slack).fill((byte) 0);
                    long tile = 0;
                    for (int ob = 0; ob < obn; ob++) {
                        for (int ci = 0; ci < icn; ci++) {
                            for (int ky = 0; ky < kH; ky++) {
                                for (int kt = 0; kt < kxt; kt++, tile++) {
                                    weightTile(ds, 4 * ob * WOCB * dyPlane, 4 * dyPlane, 4 * dyImg, xs,
                                            4 * (ci * xPlane + (long) ky * wpd + kt * KXB), 4 * xImg, imgs, steps,
                                            acc, 4 * tile * tileF);
                                }
                            }
                        }
                    }
                }
            }
            // lanes summed in order, then added to dW
            long tile = 0;
            for (int ob = 0; ob < obn; ob++) {
                for (int ci = 0; ci < icn; ci++) {
                    for (int ky = 0; ky < kH; ky++) {
                        for (int kt = 0; kt < kxt; kt++, tile++) {
                            for (int j = 0; j < WOCB; j++) {
                                int oc = (ob0 + ob) * WOCB + j;
                                for (int q = 0; q < KXB; q++) {
                                    int kx = kt * KXB + q;
                                    if (oc >= co || kx >= kW) continue;
                                    long at = 4 * (tile * tileF + (long) (j * KXB + q) * lanes);
                                    double s = 0;
                                    for (int l = 0; l < lanes; l++) s += acc.get(F, at + 4L * l);
                                    dw[((oc * c + ic0 + ci) * kH + ky) * kW + kx] += (float) s;
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /** rows rows of width ow at src[base] into rows of width wpd at dst[off] (bytes), the extra columns zero. */
    private static void widenRows(float[] src, int base, int rows, int ow, int wpd, MemorySegment dst, long off) {
        for (int r = 0; r < rows; r++, off += 4L * wpd, base += ow) {
            MemorySegment.copy(src, base, dst, F, off, ow);
            for (int i = ow; i < wpd; i++) dst.set(F, off + 4L * i, 0f);
        }
    }

    static long roundUp(long x, long to) {
        return (x + to - 1) / to * to;
    }

    /** Per-thread scratch: 64-byte-aligned native segments, grown on demand and kept. */
    private static final class Buffers {
        private MemorySegment in = MemorySegment.NULL, out = MemorySegment.NULL;
        private MemorySegment weights = MemorySegment.NULL, acc = MemorySegment.NULL;
        private long[] offsets = new long[0];

        long[] offsets(int n) {
            if (offsets.length < n) offsets = new long[n];
            return offsets;
        }
    
        private static MemorySegment grow(MemorySegment s, long floats) {
            return s.byteSize() >= 4 * floats ? s : Arena.ofAuto().allocate(4 * floats, 64);
        }

        MemorySegment in(long floats) {
            return in = grow(in, floats);
        }

        MemorySegment out(long floats) {
            return out = grow(out, floats);
        }

        MemorySegment weights(long floats) {
            return weights = grow(weights, floats);
        }

        MemorySegment acc(long floats) {
            return acc = grow(acc, floats);
        }
    }
}
