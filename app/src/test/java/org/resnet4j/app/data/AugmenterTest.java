package org.resnet4j.app.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AugmenterTest {
    static float[] ramp() {
        float[] a = new float[2 * 3 * 3];
        for (int i = 0; i < a.length; i++) a[i] = i + 1;
        return a;
    }

    @Test
    void noPaddingNoFlipIsIdentity() {
        float[] src = ramp(), dst = new float[src.length];
        new Augmenter(0, false).apply(src, 0, dst, 0, 2, 3, 3, 5, 0);
        assertThat(dst).containsExactly(src);
    }

    @Test
    void eachOutputIsAShiftedPossiblyMirroredWindowWithZeroPadding() {
        float[] src = ramp();
        int mirrored = 0, shifted = 0;
        for (int pos = 0; pos < 200; pos++) {
            float[] dst = new float[src.length];
            new Augmenter(1, true).apply(src, 0, dst, 0, 2, 3, 3, 11, pos);
            boolean found = false;
            for (int m = 0; m < 2 && !found; m++) {
                for (int dy = -1; dy <= 1 && !found; dy++) {
                    for (int dx = -1; dx <= 1 && !found; dx++) {
                        if (matches(src, dst, m == 1, dy, dx)) {
                            found = true;
                            if (m == 1) mirrored++;
                            if (dy != 0 || dx != 0) shifted++;
                        }
                    }
                }
            }
            assertThat(found).as("position %d", pos).isTrue();
        }
        assertThat(mirrored).isBetween(70, 130); // p = 1/2 over 200 draws
        assertThat(shifted).isGreaterThan(120); // 8 of 9 offsets are shifts
    }

    static boolean matches(float[] src, float[] dst, boolean mirror, int dy, int dx) {
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 3; x++) {
                    int sy = y + dy, sx = (mirror ? 2 - x : x) + dx;
                    float want = sy < 0 || sy > 2 || sx < 0 || sx > 2 ? 0 : src[c * 9 + sy * 3 + sx];
                    if (dst[c * 9 + y * 3 + x] != want) return false;
                }
            }
        }
        return true;
    }

    @Test
    void sameSeedAndPositionGiveTheSameImage() {
        float[] src = ramp(), a = new float[18], b = new float[18];
        new Augmenter(4, true).apply(src, 0, a, 0, 2, 3, 3, 42, 17);
        new Augmenter(4, true).apply(src, 0, b, 0, 2, 3, 3, 42, 17);
        assertThat(a).containsExactly(b);
    }
}
