package org.resnet4j.core.cpu;

import java.lang.foreign.MemorySegment;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;
import org.resnet4j.core.cpu.GemmDriver.PackedA;

/**
 * A 3x3, stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms
 * for Convolutional Neural Networks", 2015). Each 2x2 block of output pixels ("tile") is computed from the
 * 4x4 block of input under it as
 * <pre>
 *   y_tile = A^T [ sum over ci of (G w[co,ci] G^T) ⊙ (B^T x_tile[ci] B) ] A
 * </pre>
 * 16 multiplications per tile and channel pair instead of the 36 of four 3x3 dot products. The sum over
 * input channels is, for each of the 16 positions ξ of the 4x4 transformed block, one matrix product
 * <pre>
 *   M[ξ] (cOut, tiles) = U[ξ] (cOut, cIn) * V[ξ] (cIn, tiles),   U = G w G^T,  V = B^T x B
 * </pre>
 * run by the same GEMM as the im2col path: 2.25x fewer multiply-adds, and the input is expanded 4-fold
 * (16 values per 4 outputs) instead of 9-fold.
 *
 * <p>Exactness: the transforms' coefficients are 0, ±1 and ±1/2, so B^T x B and A^T M A are sums and
 * differences only, and G w G^T adds halves; the products' rounding differs from the direct sum's but
 * stays at float32's level (WinogradTest holds it to the float64 direct convolution). Every output element is
 * computed by one task, with its GEMM summing over ci in order: bit-identical for any thread count.
 *
 * <p>A task takes a range of "tile rows" counted over the whole batch, across image boundaries, so that small
 * images still give products wide enough for the micro-kernel. The stride-1 input gradient, which Conv runs as
 * a forward convolution with the flipped kernel, comes here too.
 */
final class Winograd {
    /**
     * Positions (columns of the products) per task at most, in whole tile rows: with 64 channels a task's V and M
     * are then about half of L2 each (128 measured faster than 64 and 256).
     */
    static final int TILES_PER_TASK = Integer.getInteger("resnet4j.winograd.tiles", 128);

    private Winograd() {}

    /**
     * Whether a convolution can run here: a 3x3 kernel at stride 1, no dilation, one group, and padding of at
     * most 2 (the kernel's reach; what the tests cover).
     */
    static boolean applies(ConvGeometry g) {
        return g.kH() == 3 && g.kW() == 3 && g.strideH() == 1 && g.strideW() == 1 && g.dilationH() == 1
                && g.dilationW() == 1 && g.groups() == 1 && g.padH() <= 2 && g.padW() <= 2
                && g.outH() > 0 && g.outW() > 0;
    }

    /** -Dresnet4j.conv.winograd: auto (where it pays, {@link #pays}), always (wherever it applies) or never. */
    private static final ConvPathMode MODE = new ConvPathMode("resnet4j.conv.winograd");

    static String mode(String value) {
        return MODE.parse(value);
    }

    /**
     * Sets the mode from now on (tests and benchmarks compare the paths with it), or with null reads the system
     * property again at the next convolution.
     */
    static void setMode(String value) {
        MODE.set(value);
    }

    /** Whether Conv runs this convolution (forward, or a stride-1 input gradient) here. */
    static boolean chosen(ConvGeometry g) {
        return MODE.chosen(applies(g), pays(g));
    }

    /**
     * Whether Conv runs this convolution's weight gradient here. Even "always" leaves layers of more than 512 x 512
     * channels to im2col: each part's dU would be over 16 MiB.
     */
    static boolean chosenForWeightGradient(ConvGeometry g) {
        return MODE.chosen(applies(g) && 16L * g.cIn() * g.cOut() <= GemmDriver.SPLIT_K_MAX_PARTIALS,
                paysForWeightGradient(g));
    }

    /**
     * Measured as {@link #pays} (weight gradients against the im2col or channels-last path, 21 alternations):
     * 64->64 56x56 N=8 1.34, 128->128 28x28 N=8 1.49-1.51, 64->64 32x32 N=32 1.33; not taken: 64->64 28x28 1.03,
     * 128->128 14x14 0.94, 256->256 14x14 0.92-0.98, 64->64 8x8 N=128 0.73-0.77. Its products sum over the tiles
     * (depth {@link #GRADIENT_TILES}) into one dU per part, which with more channels is too large to stay in cache.
     */
    static boolean paysForWeightGradient(ConvGeometry g) {
        return Math.min(g.cIn(), g.cOut()) >= 64 && Math.max(g.cIn(), g.cOut()) <= 128 && g.outW() >= 28;
    }

    /**
     * Where it is faster than im2col on the 2-core AVX2 machine (forward, both paths alternating 21 times in
     * one JVM, median speed ratios): at least 64 channels both sides, at least 14 output columns
     * (each tile row wastes one position of the products), and at least half as many tiles in the batch as
     * channels (the transform of the weights is paid per call). Measured 3x3 64->64 56x56 N=8 1.3-1.6,
     * 128->128 28x28 1.4-1.6, 256->256 14x14 1.3-1.4 (N=4 1.09, N=2 0.93); not taken: 64->64 8x8 N=128 0.97,
     * 32->32 16x16 0.87, 16->16 32x32 0.66, 512->512 7x7 N=8 0.74.
     */
    static boolean pays(ConvGeometry g) {
        long tiles = (long) g.n() * ((g.outH() + 1) / 2) * ((g.outW() + 1) / 2);
        return Math.min(g.cIn(), g.cOut()) >= 64 && g.outW() >= 14 && 2 * tiles >= Math.max(g.cIn(), g.cOut());
    }

    // y: (n, cOut, oh, ow) = conv3x3(x: (n, cIn, h, w), w: (cOut, cIn, 3, 3)) + bias: (cOut)
    static void forward(Kernels kr, float[] x, float[] w, float[] bias, ConvGeometry g, float[] y) {
        forward(kr, x, w, bias, g, y, null);
    }

    /** The forward with each output row finished by {@code finish} (nullable, without the bias: that is added here) as it is stored. */
    static void forward(Kernels kr, float[] x, float[] w, float[] bias, ConvGeometry g, float[] y, OutputEpilogue finish) {
        final int cIn = g.cIn(), cOut = g.cOut();
        final Tiling tl = new Tiling(g);
        final int rowsPerTask = Math.max(1, TILES_PER_TASK / tl.span);
        final int tasks = (tl.allRows + rowsPerTask - 1) / rowsPerTask;
        PackedA[] u = packTransformedWeights(kr, w, cOut, cIn);
        Parallel.forEach(tasks, task -> {
            int row0 = task * rowsPerTask, row1 = Math.min(tl.allRows, row0 + rowsPerTask);
            Chunk c = Chunk.of(kr, g, tl, row0, row1);
            transformInput(kr, x, g, tl, row0, row1, c.v, c.cols, c.vStride);
            for (int xi = 0; xi < 16; xi++) {
                // (V's columns past `used` hold whatever the buffer held: a column of M depends on its column of V
                // alone, and those columns of M are never read)
                // M[ξ] (cOut, cols) = U[ξ] (cOut, cIn) * V[ξ] (cIn, cols)
                GemmDriver.block(kr, 0, cOut, 0, c.cols, cIn, 1f, u[xi],
                        GemmDriver.matrixB(kr, c.v, xi * c.vStride, c.cols, false), 0f, c.m, xi * c.mStride, c.cols);
            }
            transformOutput(kr, c.m, bias, g, tl, row0, row1, c.cols, c.mStride, y, finish);
        });
    }

    /**
     * Positions per chunk of the weight gradient: the depth of its products (512 measured faster than 128, 1024
     * and 2048 on ResNet-50's 64- and 128-channel layers).
     */
    static final int GRADIENT_TILES = Integer.getInteger("resnet4j.winograd.gradientTiles", 512);

    /**
     * dW (cOut, cIn, 3, 3) += the weight gradient, by the same transforms. With M = sum over ci of U ⊙ V per tile
     * and y = A^T M A: dM = A dy A^T for each tile's 2x2 block of dy, dU = sum over tiles of dM ⊙ V, and
     * dW = G^T dU G. The sum over tiles is, per ξ, one product with the tiles as its depth:
     * <pre>
     *   dU[ξ] (cOut, cIn) += dM[ξ] (cOut, tiles) * V[ξ]^T (tiles, cIn)
     * </pre>
     * The batch's tile rows are cut into parts fixed by the shape alone; each part sums its tiles in order into
     * its own dU, and the parts are added in order: bit-identical for any thread count.
     */
    static void backwardWeight(Kernels kr, float[] dy, float[] x, ConvGeometry g, float[] dw) {
        final int cIn = g.cIn(), cOut = g.cOut(), du = 16 * cOut * cIn;
        final Tiling tl = new Tiling(g);
        final int rowsPerChunk = Math.max(1, GRADIENT_TILES / tl.span);
        final int chunks = (tl.allRows + rowsPerChunk - 1) / rowsPerChunk;
        final int parts = (int) Math.min(chunks, Math.max(2, Math.min(16, GemmDriver.SPLIT_K_MAX_PARTIALS / du)));
        float[] partial = Workspace.get().splitK(parts * du);
        Parallel.forEach(parts, part -> {
            int c0 = (int) ((long) chunks * part / parts), c1 = (int) ((long) chunks * (part + 1) / parts);
            for (int chunk = c0; chunk < c1; chunk++) {
                int row0 = chunk * rowsPerChunk, row1 = Math.min(tl.allRows, row0 + rowsPerChunk);
                Chunk c = Chunk.of(kr, g, tl, row0, row1);
                transformInput(kr, x, g, tl, row0, row1, c.v, c.cols, c.vStride);
                transformOutputGradient(kr, dy, g, tl, row0, row1, c.m, c.cols, c.mStride);
                for (int xi = 0; xi < 16; xi++) {
                    // dU[ξ] (cOut, cIn) += dM[ξ] (cOut, used) * V[ξ]^T (used, cIn); the depth is the positions used
                    // (the spare ones have dM = 0, and V's columns past `used` are not read)
                    GemmDriver.block(kr, 0, cOut, 0, cIn, c.used, 1f,
                            GemmDriver.matrixA(kr, c.m, xi * c.mStride, c.cols, false),
                            GemmDriver.matrixB(kr, c.v, xi * c.vStride, c.cols, true), chunk == c0 ? 0f : 1f,
                            partial, part * du + xi * cOut * cIn, cIn);
                }
            }
        });
        // the parts' sums, added in part order into part 0's
        Parallel.forEach(16, xi -> {
            int block = xi * cOut * cIn;
            for (int part = 1; part < parts; part++) kr.accumulate(partial, part * du + block, partial, block, cOut * cIn);
        });
        Parallel.forEach(cOut, co -> {
            float[] sum = new float[16];
            for (int ci = 0; ci < cIn; ci++) {
                for (int xi = 0; xi < 16; xi++) sum[xi] = partial[(xi * cOut + co) * cIn + ci];
                addWeightGradient(sum, dw, (co * cIn + ci) * 9);
            }
        });
    }

    /**
     * dw[off .. off+9) += G^T dU G for one (co, ci): the transpose of {@link #transformWeight}, with
     * G^T = [[1, 1/2, 1/2, 0], [0, 1/2, -1/2, 0], [0, 1/2, 1/2, 1]].
     */
    static void addWeightGradient(float[] du, float[] dw, int off) {
        float[] t = new float[12]; // t (3x4) = G^T dU
        for (int c = 0; c < 4; c++) {
            float u0 = du[c], u1 = du[4 + c], u2 = du[8 + c], u3 = du[12 + c];
            t[c] = u0 + 0.5f * (u1 + u2);
            t[4 + c] = 0.5f * (u1 - u2);
            t[8 + c] = 0.5f * (u1 + u2) + u3;
        }
        for (int r = 0; r < 3; r++) { // dw (3x3) += t G
            float t0 = t[4 * r], t1 = t[4 * r + 1], t2 = t[4 * r + 2], t3 = t[4 * r + 3];
            dw[off + 3 * r] += t0 + 0.5f * (t1 + t2);
            dw[off + 3 * r + 1] += 0.5f * (t1 - t2);
            dw[off + 3 * r + 2] += 0.5f * (t1 + t2) + t3;
        }
    }

    /**
     * dM[ξ][co][p] = (A dY A^T)[ξ] for the tiles of rows [row0, row1), positions as in {@link #transformInput}, where
     * dY is the tile's 2x2 block of dy (zeros past the image's last row or column, and at each row's spare
     * position) and A = [[1, 0], [1, 1], [1, -1], [0, -1]]. Each tile row's two rows of dy are split into even and
     * odd columns first (four planes, span floats a row), so the transform is element-wise over positions
     * (Kernels.winogradOutputGradient).
     */
    static void transformOutputGradient(Kernels kr, float[] dy, ConvGeometry g, Tiling tl, int row0, int row1, float[] m,
                                        int cols, int stride) {
        final int cOut = g.cOut(), oh = g.outH(), ow = g.outW(), ohw = oh * ow, span = tl.span, used = (row1 - row0) * span;
        final float[] split = Workspace.get().winogradRows(4 * used);
        final int whole = ow / 2;
        for (int co = 0; co < cOut; co++) {
            for (int row = row0; row < row1; row++) {
                int image = row / tl.rows, oy = 2 * (row % tl.rows), p = (row - row0) * span;
                for (int a = 0; a < 2; a++) {
                    int e = 2 * a * used + p, o = e + used; // planes e0, o0, e1, o1
                    if (oy + a >= oh) {
                        java.util.Arrays.fill(split, e, e + span, 0f);
                        java.util.Arrays.fill(split, o, o + span, 0f);
                        continue;
                    }
                    int at = (image * cOut + co) * ohw + (oy + a) * ow;
                    kr.unzip(dy, at, split, e, o, whole);
                    // an odd width leaves a last tile with one column; then the spare position
                    int c = whole;
                    if (2 * whole < ow) {
                        split[e + c] = dy[at + 2 * whole];
                        split[o + c] = 0f;
                        c++;
                    }
                    java.util.Arrays.fill(split, e + c, e + span, 0f);
                    java.util.Arrays.fill(split, o + c, o + span, 0f);
                }
            }
            kr.winogradOutputGradient(split, used, m, co * cols, stride, 0, used);
        }
    }

    /**
     * One task's buffers for tile rows [row0, row1): V (16, cIn, cols) and M (16, cOut, cols) in this thread's
     * workspace. {@code used} positions are the tile rows' tiles and spare positions; {@code cols} rounds them up
     * to whole micro-kernel panels (a last narrow panel runs at about 3/4 of the speed); 16 floats between the ξ
     * blocks, since with a power-of-two block the 16 streams would share cache sets.
     */
    record Chunk(int used, int cols, int vStride, int mStride, float[] v, float[] m) {
        static Chunk of(Kernels kr, ConvGeometry g, Tiling tl, int row0, int row1) {
            int used = (row1 - row0) * tl.span, cols = GemmDriver.roundUp(used, kr.nr());
            int vStride = g.cIn() * cols + 16, mStride = g.cOut() * cols + 16;
            Workspace ws = Workspace.get();
            return new Chunk(used, cols, vStride, mStride, ws.winogradV(16 * vStride), ws.winogradM(16 * mStride));
        }
    }

    /**
     * How the batch's output is cut into tiles. Tile rows are counted over the whole batch (image * rows + ty),
     * and a tile row takes span = cols + 1 positions of the products: the spare one makes position p + span
     * the tile below p and p + 1 the next tile, so each transform is one loop over positions (vector lanes)
     * instead of one per row; the spare column is computed and never stored.
     */
    record Tiling(int rows, int cols, int span, int allRows) {
        Tiling(ConvGeometry g) {
            this((g.outH() + 1) / 2, (g.outW() + 1) / 2, (g.outW() + 1) / 2 + 1, g.n() * ((g.outH() + 1) / 2));
        }
    }

    /**
     * U[ξ] = (G w[co, ci] G^T)[ξ] for every (co, ci), each ξ's (cOut, cIn) matrix packed once for all tasks.
     * U is stored (cOut, 16, cIn), so that each output channel's transforms are written close together; U[ξ] is
     * then the matrix at ξ * cIn with row stride 16 * cIn. Both steps run on every thread (ResNet-50's 256
     * channels: a million transformed weights per call).
     */
    static PackedA[] packTransformedWeights(Kernels kr, float[] w, int cOut, int cIn) {
        Workspace ws = Workspace.get();
        float[] u = ws.winogradU(16 * cOut * cIn);
        Parallel.forEach(cOut, co -> {
            float[] gw = new float[16];
            for (int ci = 0; ci < cIn; ci++) {
                transformWeight(w, (co * cIn + ci) * 9, gw);
                for (int xi = 0; xi < 16; xi++) u[(co * 16 + xi) * cIn + ci] = gw[xi];
            }
        });
        long per = PackedA.floats(kr, cOut, cIn);
        MemorySegment shared = ws.sharedA(16 * per);
        PackedA[] packed = new PackedA[16];
        Parallel.forEach(16, xi -> packed[xi] = PackedA.of(kr, GemmDriver.matrixA(kr, u, xi * cIn, 16 * cIn, false),
                cOut, cIn, shared.asSlice(xi * per * 4, per * 4)));
        return packed;
    }

    /**
     * gw (4x4, row-major) = G w G^T for the 3x3 kernel at w[off], with
     * G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]].
     */
    static void transformWeight(float[] w, int off, float[] gw) {
        float[] t = new float[12]; // t (4x3) = G w
        for (int c = 0; c < 3; c++) {
            float w0 = w[off + c], w1 = w[off + 3 + c], w2 = w[off + 6 + c];
            t[c] = w0;
            t[3 + c] = 0.5f * (w0 + w1 + w2);
            t[6 + c] = 0.5f * (w0 - w1 + w2);
            t[9 + c] = w2;
        }
        for (int r = 0; r < 4; r++) { // gw (4x4) = t G^T
            float t0 = t[3 * r], t1 = t[3 * r + 1], t2 = t[3 * r + 2];
            gw[4 * r] = t0;
            gw[4 * r + 1] = 0.5f * (t0 + t1 + t2);
            gw[4 * r + 2] = 0.5f * (t0 - t1 + t2);
            gw[4 * r + 3] = t2;
        }
    }

    /**
     * V[ξ][ci][p] = (B^T d B)[ξ] for the tiles of the batch's tile rows [row0, row1), where p = (row - row0) *
     * span + tx and d is the 4x4 input block at (2*ty - padH, 2*tx - padW), zeros outside the image, with
     * B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
     *
     * <p>Tile (ty, tx) reads padded rows 2ty..2ty+3 and columns 2tx..2tx+3. Each image's rows are first split
     * into four planes by the parity of row and column (plane "eo": even rows, odd columns; row k, column c =
     * padded pixel (2k, 2c + 1)), each row span long. Then d's 16 values for position p are at p, p + 1,
     * p + span and p + span + 1 of the planes, and the transform is element-wise over p
     * (Kernels.winogradInput).
     */
    static void transformInput(Kernels kr, float[] x, ConvGeometry g, Tiling tl, int row0, int row1, float[] v,
                               int cols, int stride) {
        final int cIn = g.cIn(), hw = g.h() * g.w(), span = tl.span;
        for (int first = row0; first < row1; ) {
            // the rows of one image: its split planes need one row more (the tiles' lower halves)
            int image = first / tl.rows, ty0 = first % tl.rows, last = Math.min(row1, (image + 1) * tl.rows);
            int rows = last - first, plane = (rows + 1) * span + 1;
            float[] split = Workspace.get().winogradRows(4 * plane);
            for (int ci = 0; ci < cIn; ci++) {
                splitPlanes(kr, x, (image * cIn + ci) * hw, g, ty0, rows + 1, span, split, plane);
                kr.winogradInput(split, plane, span, v, ci * cols + (first - row0) * span, stride, 0, rows * span);
            }
            first = last;
        }
    }

    /**
     * The four parity planes (ee, eo, oe, oo, each {@code plane} floats) of padded rows 2*ty0 .. 2*(ty0+rows)-1 of
     * one channel: plane rs, row k, column c = padded pixel (2k + r, 2c + s), zero in the padding.
     */
    private static void splitPlanes(Kernels kr, float[] x, int base, ConvGeometry g, int ty0, int rows, int span, float[] split,
                                    int plane) {
        final int h = g.h(), w = g.w(), ph = g.padH(), pw = g.padW();
        for (int k = 0; k < rows; k++) {
            for (int r = 0; r < 2; r++) {
                int iy = 2 * (ty0 + k) + r - ph, e = r * 2 * plane + k * span, o = e + plane;
                if (iy < 0 || iy >= h) {
                    java.util.Arrays.fill(split, e, e + span, 0f);
                    java.util.Arrays.fill(split, o, o + span, 0f);
                    continue;
                }
                int row = base + iy * w;
                // columns 2c - pw (even) and 2c + 1 - pw (odd) of the image row, both inside for c in [lo, hi)
                int lo = Math.min(span, (pw + 1) / 2), hi = Math.max(lo, Math.min(span, (w + pw) / 2));
                for (int c = 0; c < lo; c++) splitColumn(x, row, w, 2 * c - pw, split, e + c, o + c);
                kr.unzip(x, row + 2 * lo - pw, split, e + lo, o + lo, hi - lo);
                for (int c = hi; c < span; c++) splitColumn(x, row, w, 2 * c - pw, split, e + c, o + c);
            }
        }
    }

    private static void splitColumn(float[] x, int row, int w, int ix, float[] split, int e, int o) {
        split[e] = ix >= 0 && ix < w ? x[row + ix] : 0f;
        split[o] = ix + 1 >= 0 && ix + 1 < w ? x[row + ix + 1] : 0f;
    }

    /**
     * y at each tile of rows [row0, row1) = A^T M A (+ bias) with A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]: a 2x2
     * block, cut at the image's last row or column when the output size is odd. The four outputs of the tiles
     * are computed element-wise over positions (Kernels.winogradOutput) into four rows, then interleaved into y.
     */
    static void transformOutput(Kernels kr, float[] m, float[] bias, ConvGeometry g, Tiling tl, int row0, int row1,
                                int cols, int stride, float[] y, OutputEpilogue finish) {
        final int cOut = g.cOut(), oh = g.outH(), ow = g.outW(), ohw = oh * ow, span = tl.span;
        final int used = (row1 - row0) * span;
        final float[] q = Workspace.get().winogradRows(4 * used);
        for (int co = 0; co < cOut; co++) {
            kr.winogradOutput(m, co * cols, stride, used, bias == null ? 0f : bias[co], q, 0, used);
            for (int row = row0; row < row1; row++) {
                int image = row / tl.rows, oy = 2 * (row % tl.rows), p = (row - row0) * span;
                int top = (image * cOut + co) * ohw + oy * ow;
                interleave(kr, q, p, used, y, top, ow);
                if (oy + 1 < oh) interleave(kr, q, 2 * used + p, used, y, top + ow, ow);
                if (finish != null) finish.apply(kr, co, y, top, top + Math.min(2, oh - oy) * ow);
            }
        }
    }

    /**
     * One output row of width ow from a row of tiles: y[at + 2t] = q[from + t] and y[at + 2t + 1] = q[from + gap + t],
     * the odd column only inside the row.
     */
    private static void interleave(Kernels kr, float[] q, int from, int gap, float[] y, int at, int ow) {
        int whole = ow / 2;
        kr.zip(q, from, q, from + gap, y, at, whole);
        if (2 * whole < ow) y[at + 2 * whole] = q[from + whole];
    }
}
