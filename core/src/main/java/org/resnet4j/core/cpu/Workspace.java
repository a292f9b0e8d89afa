package org.resnet4j.core.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread scratch memory, grown on demand and kept: packed GEMM panels live in 64-byte-aligned
 * native segments (the micro-kernel reads them faster than a float[]), and convolution's column
 * buffer is a float[] reused across calls, so a training step allocates no big buffers.
 */
final class Workspace {
    private static final ThreadLocal<Workspace> LOCAL = ThreadLocal.withInitial(Workspace::new);

    private MemorySegment a = MemorySegment.NULL;
    private MemorySegment b = MemorySegment.NULL;
    private MemorySegment shared = MemorySegment.NULL;
    private MemorySegment sharedB = MemorySegment.NULL;
    private MemorySegment directInput = MemorySegment.NULL;
    private MemorySegment directGradient = MemorySegment.NULL;
    private float[] directOutput = new float[0];
    private float[] directPartials = new float[0];
    private float[] directSums = new float[0];
    private float[] col = new float[0];
    private float[] pad = new float[0];
    private float[] stage = new float[0];
    private float[] xChannelsLast = new float[0];
    private float[] dyChannelsLast = new float[0];
    private float[] splitK = new float[0];
    private int[] pixels = new int[0];
    private float[] imagesInput = new float[0];
    private float[] imagesOutput = new float[0];
    private int[] imageOffsets = new int[0];
    private float[] winogradU = new float[0];
    private float[] winogradV = new float[0];
    private float[] winogradM = new float[0];
    private float[] winogradRows = new float[0];

    static Workspace get() {
        return LOCAL.get();
    }

    /** {@code current} if it holds {@code floats} floats, else a new native buffer of that size (64-byte aligned). */
    private static MemorySegment atLeast(MemorySegment current, long floats) {
        return current.byteSize() >= floats * 4 ? current : Arena.ofAuto().allocate(floats * 4, 64);
    }

    MemorySegment packA(long floats) {
        return a = atLeast(a, floats);
    }

    MemorySegment packB(long floats) {
        return b = atLeast(b, floats);
    }

    /**
     * A convolution's weights packed once per call and read by every task of that call (see
     * GemmDriver.PackedA): owned by the calling thread, which does not pack into it again until its
     * tasks are done.
     */
    MemorySegment sharedA(long floats) {
        return shared = atLeast(shared, floats);
    }

    /**
     * A packed B block that every task of one product reads (GemmDriver's row strips): owned by the calling thread,
     * which packs into it again only after the tasks that read it are done.
     */
    MemorySegment sharedB(long floats) {
        return sharedB = atLeast(sharedB, floats);
    }

    /** DirectConv's zero-padded input planes (native: the kernel's loads then carry no array bounds checks). */
    MemorySegment directInput(long floats) {
        return directInput = atLeast(directInput, floats);
    }

    /** DirectConv's output gradient laid out on the padded input's positions (zeros elsewhere), for the weight gradient. */
    MemorySegment directGradient(long floats) {
        return directGradient = atLeast(directGradient, floats);
    }

    /** DirectConv's output rows at the padded width, before the spare columns are dropped. */
    float[] directOutput(int floats) {
        if (directOutput.length < floats) directOutput = new float[floats];
        return directOutput;
    }

    /** The per-part weight gradients of DirectConv and ChannelsLastWeightGradient, added in part order at the end. */
    float[] directPartials(int floats) {
        if (directPartials.length < floats) directPartials = new float[floats];
        return directPartials;
    }

    /** One DirectConv weight-gradient task's per-lane sums of a tile (zeroed by the task). */
    float[] directSums(int floats) {
        if (directSums.length < floats) directSums = new float[floats];
        return directSums;
    }

    /** Heap staging for packing routines that scatter (see Kernels.packA). */
    float[] stage(int floats) {
        if (stage.length < floats) stage = new float[floats];
        return stage;
    }

    /** The zero-padded input copy of a stride-1 convolution forward. */
    float[] pad(int floats) {
        if (pad.length < floats) pad = new float[floats];
        return pad;
    }

    /**
     * The weight gradient's channels-last copies of x and dy (see Conv.backwardWeight): the whole batch's, or in
     * ChannelsLastWeightGradient one image's per thread.
     */
    float[] xChannelsLast(int floats) {
        if (xChannelsLast.length < floats) xChannelsLast = new float[floats];
        return xChannelsLast;
    }

    /** Partial sums of GemmDriver.runSplitK. */
    float[] splitK(int floats) {
        if (splitK.length < floats) splitK = new float[floats];
        return splitK;
    }

    float[] dyChannelsLast(int floats) {
        if (dyChannelsLast.length < floats) dyChannelsLast = new float[floats];
        return dyChannelsLast;
    }

    /** Pixel offsets of a packing routine (see Kernels.pixelOffsets). */
    /** Im2colImages: a task's zero-padded images. */
    float[] imagesInput(int floats) {
        if (imagesInput.length < floats) imagesInput = new float[floats];
        return imagesInput;
    }

    /** Im2colImages: a task's product, (cOut, images * pixels). */
    float[] imagesOutput(int floats) {
        if (imagesOutput.length < floats) imagesOutput = new float[floats];
        return imagesOutput;
    }

    /** Im2colImages: each column's offset into the padded images. */
    int[] imageOffsets(int n) {
        if (imageOffsets.length < n) imageOffsets = new int[n];
        return imageOffsets;
    }

    int[] pixels(int n) {
        if (pixels.length < n) pixels = new int[n];
        return pixels;
    }

    /** Winograd's transformed weights U (cOut, 16, cIn), before they are packed. */
    float[] winogradU(int floats) {
        if (winogradU.length < floats) winogradU = new float[floats];
        return winogradU;
    }

    /** One Winograd task's transformed input V (16, cIn, tiles). */
    float[] winogradV(int floats) {
        if (winogradV.length < floats) winogradV = new float[floats];
        return winogradV;
    }

    /** One Winograd task's products M (16, cOut, tiles). */
    float[] winogradM(int floats) {
        if (winogradM.length < floats) winogradM = new float[floats];
        return winogradM;
    }

    /** Rows of one Winograd tile row: split input rows, or the output rows before they are interleaved. */
    float[] winogradRows(int floats) {
        if (winogradRows.length < floats) winogradRows = new float[floats];
        return winogradRows;
    }

    float[] col(int floats) {
        if (col.length < floats) col = new float[floats];
        return col;
    }
}
