package org.resnet4j.app.data;

import org.resnet4j.core.Rng;

/**
 * torchvision's {@code RandomCrop(size, padding=p)} followed by {@code RandomHorizontalFlip()}: the image
 * is zero-padded by p on each side (before normalization, as torchvision pads the raw image), a window
 * of the original size is cut at a uniformly random offset, and it is mirrored with probability 1/2.
 *
 * <p>Each example's draws come from its own generator seeded by (epoch seed, position in the epoch), so
 * the result does not depend on which thread prepares the batch or in what order.
 */
public final class Augmenter {
    private final int padding;
    private final boolean flip;

    public Augmenter(int padding, boolean flip) {
        if (padding < 0) throw new IllegalArgumentException("crop padding must be >= 0, got " + padding);
        this.padding = padding;
        this.flip = flip;
    }

    public int padding() {
        return padding;
    }

    public boolean flip() {
        return flip;
    }

    /** Writes the augmented copy of {@code src[srcOff ..]} (C, H, W) into {@code dst[dstOff ..]}. */
    public void apply(float[] src, int srcOff, float[] dst, int dstOff, int c, int h, int w, long epochSeed, long position) {
        Rng r = new Rng(Rng.mix64(epochSeed ^ Rng.mix64(position)));
        int dy = padding == 0 ? 0 : r.nextInt(2 * padding + 1) - padding;
        int dx = padding == 0 ? 0 : r.nextInt(2 * padding + 1) - padding;
        boolean mirror = flip && r.nextDouble() < 0.5;
        for (int ch = 0; ch < c; ch++) {
            int so = srcOff + ch * h * w, d0 = dstOff + ch * h * w;
            for (int y = 0; y < h; y++) {
                int sy = y + dy;
                for (int x = 0; x < w; x++) {
                    int sx = (mirror ? w - 1 - x : x) + dx;
                    dst[d0 + y * w + x] = (sy < 0 || sy >= h || sx < 0 || sx >= w) ? 0f : src[so + sy * w + sx];
                }
            }
        }
    }
}
