package org.resnet4j.core.cpu;

import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Parallel;
import org.resnet4j.core.cpu.GemmDriver.BPacker;
import org.resnet4j.core.cpu.GemmDriver.PackedA;

/**
 * The im2col forward with several images side by side in one product, for outputs too small to fill the GEMM's
 * column panels. Per image the product y (cOut, P) = W (cOut, K) * col (K, P) has P = outH * outW columns, cut into
 * panels of {@code nr} (32 with AVX-512): ResNet-20's 7x7 layer3 on Fashion-MNIST has P = 49, one full panel and one
 * of 17, so a third of its multiply-adds were on padding columns. Here a task takes k images and multiplies
 *
 * <pre>
 *   C (cOut, k*P) = W (cOut, K) * [col_0 | col_1 | ... | col_(k-1)] (K, k*P)
 * </pre>
 *
 * then copies each image's block of columns to y (N, cOut, outH, outW) and finishes it (bias, batch norm, residual,
 * ReLU). Column j of the product is image j / P, output pixel j % P, and every B entry is one load from the task's
 * zero-padded copy of its images at a per-column offset plus a per-row one ({@link Kernels#packBIm2colImages}).
 *
 * <p>Each output is the same float32 sum over K in the same order as in the one-image product (the GEMM's K blocks do
 * not depend on its columns), so the two paths give the same bits, for any k and any thread count.
 * -Dresnet4j.conv.images=auto|always|never.
 */
final class Im2colImages {
    private Im2colImages() {}

    private static final ConvPathMode MODE = new ConvPathMode("resnet4j.conv.images");

    /** Sets the mode from now on (tests and benchmarks compare the paths with it); null reads the property again. */
    static void setMode(String value) {
        MODE.set(value);
    }

    /** Convolutions the path takes: one group, not a plain 1x1 product (that multiplies x itself), two images or more. */
    static boolean applies(ConvGeometry g) {
        return g.groups() == 1 && !g.isPointwise() && g.n() >= 2;
    }

    /** Where a one-image product leaves a partial panel and is short enough for it to matter: under 16 panels. */
    static boolean pays(Kernels kr, ConvGeometry g) {
        int p = g.outH() * g.outW(), nr = kr.nr();
        return p % nr != 0 && p < 16 * nr;
    }

    /** Whether Conv's im2col forward multiplies several images at once here. */
    static boolean chosen(Kernels kr, ConvGeometry g) {
        return MODE.chosen(applies(g), pays(kr, g)) && imagesPerTask(kr, g) >= 2;
    }

    /**
     * Images per product: enough for about 16 panels of columns, but no fewer than two tasks per thread so that both
     * cores stay busy. (The bits do not depend on it; see the class comment.)
     */
    static int imagesPerTask(Kernels kr, ConvGeometry g) {
        int p = g.outH() * g.outW(), perPanels = (16 * kr.nr() + p - 1) / p;
        int perThreads = (g.n() + 2 * Parallel.threads() - 1) / (2 * Parallel.threads());
        return Math.max(Math.min(2, g.n()), Math.min(perPanels, perThreads));
    }

    // y: (n, cOut, oh, ow) = conv(x: (n, cIn, h, w), w: (cOut, cIn, kH, kW)) + bias, each channel then finished by
    // `after` (nullable; see OutputEpilogue)
    static void forward(Kernels kr, float[] x, float[] w, float[] bias, ConvGeometry g, float[] y, OutputEpilogue after) {
        final int n = g.n(), cIn = g.cIn(), cOut = g.cOut(), h = g.h(), wd = g.w(), ow = g.outW(), p = g.outH() * ow;
        final int hp = h + 2 * g.padH(), wp = wd + 2 * g.padW(), plane = hp * wp, imageFloats = cIn * plane;
        final int kk = cIn * g.kH() * g.kW(), perTask = imagesPerTask(kr, g), tasks = (n + perTask - 1) / perTask;
        // W packed once for every task (as Conv.forwardIm2col does)
        PackedA pw = Conv.packWeights(kr, w, 1, cOut, kk, false)[0];
        final OutputEpilogue finish = OutputEpilogue.withBias(after, bias);
        Parallel.forEach(tasks, task -> {
            int image0 = task * perTask, images = Math.min(perTask, n - image0), cols = images * p;
            Workspace ws = Workspace.get();
            float[] xp = ws.imagesInput(images * imageFloats);
            for (int i = 0; i < images; i++) {
                Conv.padPlanes(x, (image0 + i) * cIn * h * wd, cIn, h, wd, g.padH(), g.padW(), xp, i * imageFloats);
            }
            // column j: image j / p, output pixel (oy, ox) = (j % p / ow, j % p % ow), its tap (0, 0) of channel 0
            int[] offsets = ws.imageOffsets(cols);
            for (int j = 0; j < cols; j++) {
                int image = j / p, oy = j % p / ow, ox = j % p % ow;
                offsets[j] = image * imageFloats + oy * g.strideH() * wp + ox * g.strideW();
            }
            float[] c = ws.imagesOutput(cOut * cols);
            BPacker bp = (p0, kc, j0, nc, dst) -> kr.packBIm2colImages(xp, offsets, plane, wp, g, p0, kc, j0, nc, dst);
            GemmDriver.block(kr, 0, cOut, 0, cols, kk, 1f, pw, bp, 0f, c, 0, cols);
            for (int i = 0; i < images; i++) {
                for (int co = 0; co < cOut; co++) {
                    int at = ((image0 + i) * cOut + co) * p;
                    System.arraycopy(c, co * cols + i * p, y, at, p);
                    if (finish != null) finish.apply(kr, co, y, at, at + p);
                }
            }
        });
    }
}
