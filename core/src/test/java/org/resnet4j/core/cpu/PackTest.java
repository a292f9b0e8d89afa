package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.IntBinaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.core.ConvGeometry;

/**
 * Every GEMM packer of the scalar and of the selected (Vector-API) kernels against the packed layout
 * written out from its definition with plain loops: panel of mr rows (A) or nr columns (B), p-major,
 * zeros past the edge. Packing only moves floats, so the comparison is exact. The sizes cover
 * partial panels, depths that are not a multiple of the 8-lane transpose, matrices that end at the
 * array's last element (no slack for a wide load) and runs cut by image and row boundaries.
 */
class PackTest {
    /** A canary the packers must overwrite: every packed element is written, padding with zero. */
    private static final float CANARY = Float.NaN;

    static Stream<Kernels> kernels() {
        return Stream.of(new Kernels(), Simd.KERNELS).distinct();
    }

    private static MemorySegment buffer(long floats) {
        MemorySegment s = Arena.ofAuto().allocate(floats * 4, 64);
        for (long i = 0; i < floats; i++) s.setAtIndex(Kernels.F, i, CANARY);
        return s;
    }

    /** The expected packed block: panels of `width` along the rows, `depth` p-major, value(row, p). */
    private static float[] panels(int rows, int width, int depth, IntBinaryOperator valid, Value value) {
        int padded = (rows + width - 1) / width * width;
        float[] out = new float[padded * depth];
        for (int r0 = 0; r0 < padded; r0 += width) {
            for (int p = 0; p < depth; p++) {
                for (int r = 0; r < width; r++) {
                    int i = r0 + r;
                    out[r0 * depth + p * width + r] = i < rows && valid.applyAsInt(i, p) != 0 ? value.at(i, p) : 0f;
                }
            }
        }
        return out;
    }

    private interface Value {
        float at(int row, int p);
    }

    private static void assertPacked(MemorySegment got, float[] expected, String what) {
        float[] actual = new float[expected.length];
        MemorySegment.copy(got, Kernels.F, 0, actual, 0, expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(expected[i])) {
                assertThat(actual[i]).as("%s: element %d", what, i).isEqualTo(expected[i]);
            }
        }
    }

    static Stream<int[]> blocks() {
        // mc/nc, kc
        return Stream.of(new int[] {1, 1}, new int[] {5, 7}, new int[] {6, 8}, new int[] {7, 9}, new int[] {13, 16},
                new int[] {16, 17}, new int[] {17, 33}, new int[] {32, 40}, new int[] {72, 64}, new int[] {40, 5});
    }

    static Stream<Object[]> kernelsAndBlocks() {
        return kernels().flatMap(k -> blocks().map(b -> new Object[] {k, b[0], b[1]}));
    }

    @ParameterizedTest(name = "{0} rows={1} depth={2}")
    @MethodSource("kernelsAndBlocks")
    void packAMatchesDefinition(Kernels kr, int mc, int kc) {
        int mr = kr.mr(), i0 = 3, p0 = 2, m = i0 + mc, k = p0 + kc;
        for (boolean trans : new boolean[] {false, true}) {
            for (int slack : new int[] {0, 9}) {
                // A is (m, k) or, transposed, (k, m); slack 0 puts its last element at the array's end
                int lda = (trans ? m : k) + 1, off = 4;
                float[] a = Ref.random(41, off + (trans ? k : m) * lda - 1 + slack);
                MemorySegment dst = buffer((long) (mc + mr) * kc);
                kr.packA(a, off, lda, trans, i0, mc, p0, kc, dst);
                float[] want = panels(mc, mr, kc, (i, p) -> 1,
                        (i, p) -> trans ? a[off + (p0 + p) * lda + i0 + i] : a[off + (i0 + i) * lda + p0 + p]);
                assertPacked(dst, want, "packA trans=" + trans + " slack=" + slack);
            }
        }
    }

    @ParameterizedTest(name = "{0} rows={1} depth={2}")
    @MethodSource("kernelsAndBlocks")
    void packABatchedMatchesDefinition(Kernels kr, int mc, int kc) {
        int mr = kr.mr(), i0 = 1, lda = 11, off = 2;
        for (int len : new int[] {3, 8, 11}) {
            // items of `len` columns, `stride` apart; the packed depth crosses item boundaries
            int stride = (i0 + mc) * lda + 5, p0 = len - 1, items = (p0 + kc + len - 1) / len;
            float[] a = Ref.random(42, off + items * stride);
            MemorySegment dst = buffer((long) (mc + mr) * kc);
            kr.packABatched(a, off, lda, len, stride, i0, mc, p0, kc, dst);
            float[] want = panels(mc, mr, kc, (i, p) -> 1, (i, p) -> {
                int q = p0 + p;
                return a[off + (q / len) * stride + (i0 + i) * lda + q % len];
            });
            assertPacked(dst, want, "packABatched len=" + len);
        }
    }

    @ParameterizedTest(name = "{0} cols={1} depth={2}")
    @MethodSource("kernelsAndBlocks")
    void packBMatchesDefinition(Kernels kr, int nc, int kc) {
        int nr = kr.nr(), j0 = 3, p0 = 5, n = j0 + nc, k = p0 + kc;
        for (boolean trans : new boolean[] {false, true}) {
            // B is (k, n) or, transposed, (n, k)
            int ldb = (trans ? k : n) + 2, off = 1;
            float[] b = Ref.random(43, off + (trans ? n : k) * ldb);
            MemorySegment dst = buffer((long) (nc + nr) * kc);
            kr.packB(b, off, ldb, trans, p0, kc, j0, nc, dst);
            float[] want = panels(nc, nr, kc, (j, p) -> 1,
                    (j, p) -> trans ? b[off + (j0 + j) * ldb + p0 + p] : b[off + (p0 + p) * ldb + j0 + j]);
            assertPacked(dst, want, "packB trans=" + trans);
        }
    }

    static Stream<ConvGeometry> geometries() {
        return Stream.of(
                // n, cIn, h, w, cOut, kH, kW, sH, sW, pH, pW, dH, dW, groups
                new ConvGeometry(2, 20, 9, 11, 4, 1, 1, 1, 1, 0, 0, 1, 1, 1),      // pointwise: runs cross rows
                new ConvGeometry(3, 3, 12, 21, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // padded 3x3
                new ConvGeometry(2, 4, 10, 19, 4, 3, 3, 2, 1, 1, 1, 1, 1, 1),      // stride 2 in y only
                new ConvGeometry(2, 3, 23, 19, 8, 7, 7, 2, 2, 3, 3, 1, 1, 1),      // stem-like 7x7/2
                new ConvGeometry(1, 3, 40, 40, 8, 7, 7, 2, 2, 3, 3, 1, 1, 1),      // 7x7/2, output rows wider than a panel
                new ConvGeometry(2, 3, 13, 45, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1),      // 3x3/2, wide rows, odd width
                new ConvGeometry(2, 6, 10, 17, 4, 3, 2, 1, 1, 2, 1, 2, 1, 2),      // dilation, groups
                new ConvGeometry(2, 9, 8, 8, 4, 1, 1, 2, 2, 0, 0, 1, 1, 1),        // 1x1 stride 2
                new ConvGeometry(2, 17, 6, 38, 4, 1, 1, 2, 2, 0, 0, 1, 1, 1),      // 1x1 stride 2, wide rows
                new ConvGeometry(1, 4, 5, 50, 4, 3, 3, 3, 3, 1, 1, 1, 1, 1),       // stride 3 (scalar path)
                new ConvGeometry(1, 2, 4, 4, 3, 5, 3, 1, 1, 2, 0, 1, 1, 1),        // kernel larger than the input
                new ConvGeometry(2, 3, 9, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),        // 7 wide: panels over three rows
                new ConvGeometry(1, 5, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),        // ResNet-20's 8x8: panels of whole rows
                new ConvGeometry(1, 2, 14, 3, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),       // 3 wide: more than ten rows per panel
                new ConvGeometry(1, 3, 12, 5, 4, 1, 3, 1, 1, 0, 1, 1, 1, 1));      // 5 wide, 1x3 kernel
    }

    static Stream<Object[]> kernelsAndGeometries() {
        return kernels().flatMap(k -> geometries().map(g -> new Object[] {k, g}));
    }

    /** x[image][group's channel c][iy][ix] or 0 in the padding, for im2col row/column (kernel pos, pixel). */
    private static float im2col(float[] x, int xBase, int imageStride, ConvGeometry g, int image, int kpos, int pix) {
        int khw = g.kH() * g.kW(), c = kpos / khw, ky = kpos % khw / g.kW(), kx = kpos % g.kW();
        int oy = pix / g.outW(), ox = pix % g.outW();
        int iy = oy * g.strideH() - g.padH() + ky * g.dilationH(), ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
        if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) return 0f;
        return x[xBase + image * imageStride + (c * g.h() + iy) * g.w() + ix];
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kernelsAndGeometries")
    void packBIm2colTMatchesDefinition(Kernels kr, ConvGeometry g) {
        int nr = kr.nr(), kk = g.cInPerGroup() * g.kH() * g.kW(), ohw = g.outH() * g.outW();
        int imageStride = g.cIn() * g.h() * g.w(), total = g.n() * ohw;
        float[] x = Ref.random(44, g.n() * imageStride);
        int xBase = (g.groups() - 1) * g.cInPerGroup() * g.h() * g.w(); // the last group
        // several (p0, kc, j0, nc) windows: the whole matrix, and ones starting mid-row, mid-image, mid-panel
        int[][] windows = {{0, total, 0, kk}, {g.outW() + 1, Math.min(total - g.outW() - 1, 37), 1, Math.min(kk - 1, 19)},
            {ohw - 3, Math.min(total - ohw + 3, 60), kk / 2, kk - kk / 2}};
        for (int[] wdw : windows) {
            int p0 = wdw[0], kc = wdw[1], j0 = wdw[2], nc = wdw[3];
            if (kc <= 0 || nc <= 0) continue;
            MemorySegment dst = buffer((long) (nc + nr) * kc);
            kr.packBIm2colT(x, xBase, imageStride, g, p0, kc, j0, nc, dst);
            float[] want = panels(nc, nr, kc, (j, p) -> 1,
                    (j, p) -> im2col(x, xBase, imageStride, g, (p0 + p) / ohw, j0 + j, (p0 + p) % ohw));
            assertPacked(dst, want, "packBIm2colT window p0=" + p0 + " kc=" + kc + " j0=" + j0 + " nc=" + nc);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kernelsAndGeometries")
    void packBIm2colMatchesDefinition(Kernels kr, ConvGeometry g) {
        int nr = kr.nr(), kk = g.cInPerGroup() * g.kH() * g.kW(), ohw = g.outH() * g.outW();
        int imageStride = g.cIn() * g.h() * g.w();
        float[] x = Ref.random(45, g.n() * imageStride);
        int xBase = (g.n() - 1) * imageStride + (g.groups() - 1) * g.cInPerGroup() * g.h() * g.w(); // last image and group
        int[][] windows = {{0, kk, 0, ohw}, {1, kk - 1, g.outW() - 1, ohw - g.outW() + 1}};
        for (int[] wdw : windows) {
            int p0 = wdw[0], kc = wdw[1], j0 = wdw[2], nc = wdw[3];
            if (kc <= 0 || nc <= 0) continue;
            MemorySegment dst = buffer((long) (nc + nr) * kc);
            kr.packBIm2col(x, xBase, g, p0, kc, j0, nc, dst);
            float[] want = panels(nc, nr, kc, (j, p) -> 1, (j, p) -> im2col(x, xBase, 0, g, 0, p0 + p, j0 + j));
            assertPacked(dst, want, "packBIm2col window p0=" + p0 + " j0=" + j0);
        }
    }

    static Stream<Object[]> channelsLastCases() {
        // c, h, w, ph, pw: channel counts with and without a multiple of 8, widths with a remainder of the 8-lane blocks
        int[][] cases = {{16, 5, 8, 1, 1}, {8, 3, 17, 2, 0}, {13, 4, 9, 0, 3}, {24, 2, 16, 1, 2}, {3, 6, 5, 1, 1}};
        return kernels().flatMap(k -> Stream.of(cases).map(c -> new Object[] {k, c[0], c[1], c[2], c[3], c[4]}));
    }

    @ParameterizedTest(name = "{0} c={1} h={2} w={3} pad=({4}, {5})")
    @MethodSource("channelsLastCases")
    void toChannelsLastMatchesDefinition(Kernels kr, int c, int h, int w, int ph, int pw) {
        int base = 5, dstBase = 7, hp = h + 2 * ph, wp = w + 2 * pw;
        float[] src = Ref.random(46, base + c * h * w);
        float[] dst = new float[dstBase + hp * wp * c + 3];
        java.util.Arrays.fill(dst, CANARY);
        kr.toChannelsLast(src, base, c, h, w, ph, pw, dst, dstBase);
        for (int y = 0; y < hp; y++) {
            for (int x = 0; x < wp; x++) {
                for (int ci = 0; ci < c; ci++) {
                    int iy = y - ph, ix = x - pw;
                    float want = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0f : src[base + (ci * h + iy) * w + ix];
                    assertThat(dst[dstBase + (y * wp + x) * c + ci]).as("(%d, %d, %d)", y, x, ci).isEqualTo(want);
                }
            }
        }
        // nothing outside dst's range is touched
        for (int i = 0; i < dstBase; i++) assertThat(dst[i]).isNaN();
        for (int i = dstBase + hp * wp * c; i < dst.length; i++) assertThat(dst[i]).isNaN();
    }

    static Stream<Object[]> kernelsAndChannelsLastGeometries() {
        java.util.List<ConvGeometry> gs = java.util.List.of(
                // n, cIn, h, w, cOut, kH, kW, sH, sW, pH, pW, dH, dW, groups
                new ConvGeometry(2, 12, 6, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),       // panels of one tap (mr 4 or 6)
                new ConvGeometry(2, 16, 9, 11, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1),      // panels spanning taps, stride 2
                new ConvGeometry(3, 8, 7, 6, 4, 3, 2, 1, 1, 2, 0, 2, 1, 1),        // dilation, non-square, 3 images
                new ConvGeometry(2, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),        // fewer channels than a panel's rows
                new ConvGeometry(2, 32, 5, 5, 4, 1, 1, 2, 2, 0, 0, 1, 1, 1));      // 1x1 stride 2
        return kernels().flatMap(k -> gs.stream().map(g -> new Object[] {k, g}));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kernelsAndChannelsLastGeometries")
    void packAChannelsLastTapsMatchesDefinition(Kernels kr, ConvGeometry g) {
        int mr = kr.mr(), c = g.cIn(), khw = g.kH() * g.kW(), kk = c * khw, ohw = g.outH() * g.outW();
        int hp = g.h() + 2 * g.padH(), wp = g.w() + 2 * g.padW(), imageStride = c * g.h() * g.w(), total = g.n() * ohw;
        float[] x = Ref.random(47, g.n() * imageStride);
        float[] xT = new float[g.n() * hp * wp * c];
        for (int image = 0; image < g.n(); image++) {
            new Kernels().toChannelsLast(x, image * imageStride, c, g.h(), g.w(), g.padH(), g.padW(), xT, image * hp * wp * c);
        }
        int[][] windows = {{0, total, 0, kk}, {g.outW() + 1, Math.min(total - g.outW() - 1, 37), 1, Math.min(kk - 1, 19)},
            {ohw - 3, Math.min(total - ohw + 3, 60), kk / 2, kk - kk / 2}};
        for (int[] wdw : windows) {
            int p0 = wdw[0], kc = wdw[1], j0 = wdw[2], nc = wdw[3];
            if (kc <= 0 || nc <= 0) continue;
            MemorySegment dst = buffer((long) (nc + mr) * kc);
            // row j = (tap, ci) is im2col's kernel position (ci, tap)
            float[] want = panels(nc, mr, kc, (j, p) -> 1, (j, p) -> im2col(x, 0, imageStride, g, (p0 + p) / ohw,
                    (j0 + j) % c * khw + (j0 + j) / c, (p0 + p) % ohw));
            kr.packAChannelsLastTaps(xT, hp, wp, g, j0, nc, p0, kc, dst);
            assertPacked(dst, want, "packAChannelsLastTaps window p0=" + p0 + " kc=" + kc + " j0=" + j0 + " nc=" + nc);
            // into a buffer with no room past the block: the same panels, and nothing written beyond it
            MemorySegment exact = buffer(want.length);
            kr.packAChannelsLastTaps(xT, hp, wp, g, j0, nc, p0, kc, exact);
            assertPacked(exact, want, "packAChannelsLastTaps (no slack) window p0=" + p0 + " j0=" + j0);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kernelsAndGeometries")
    void packBIm2colPaddedMatchesDefinition(Kernels kr, ConvGeometry g) {
        int nr = kr.nr(), kk = g.cInPerGroup() * g.kH() * g.kW(), ohw = g.outH() * g.outW();
        int hp = g.h() + 2 * g.padH(), wp = g.w() + 2 * g.padW(), imageStride = g.cIn() * g.h() * g.w();
        float[] x = Ref.random(48, g.n() * imageStride);
        int xBase = (g.n() - 1) * imageStride + (g.groups() - 1) * g.cInPerGroup() * g.h() * g.w(); // last image and group
        // the group's planes with their padding materialized, after a few floats of another array's data
        int xpBase = 3;
        float[] xp = new float[xpBase + g.cInPerGroup() * hp * wp];
        for (int c = 0; c < g.cInPerGroup(); c++) {
            for (int iy = 0; iy < g.h(); iy++) {
                System.arraycopy(x, xBase + (c * g.h() + iy) * g.w(), xp, xpBase + (c * hp + iy + g.padH()) * wp + g.padW(), g.w());
            }
        }
        int[][] windows = {{0, kk, 0, ohw}, {1, kk - 1, g.outW() - 1, ohw - g.outW() + 1}, {kk / 2, kk - kk / 2, 3, ohw - 3}};
        for (int[] wdw : windows) {
            int p0 = wdw[0], kc = wdw[1], j0 = wdw[2], nc = wdw[3];
            if (kc <= 0 || nc <= 0) continue;
            MemorySegment dst = buffer((long) (nc + nr) * kc);
            kr.packBIm2colPadded(xp, xpBase, hp, wp, g, p0, kc, j0, nc, dst);
            float[] want = panels(nc, nr, kc, (j, p) -> 1, (j, p) -> im2col(x, xBase, 0, g, 0, p0 + p, j0 + j));
            assertPacked(dst, want, "packBIm2colPadded window p0=" + p0 + " j0=" + j0);
        }
    }
}
