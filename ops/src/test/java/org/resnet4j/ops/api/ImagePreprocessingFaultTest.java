package org.resnet4j.ops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Unusual images through {@link ImagePreprocessing#toChw}: every BufferedImage type (grayscale, 16-bit,
 * alpha, indexed, binary), tiny and odd sizes; values are what PIL's convert + ToTensor give, and the
 * output always has the promised length with finite values.
 */
class ImagePreprocessingFaultTest {
    static final ImagePreprocessing RGB = ImagePreprocessing.rgb(4, 3, new float[] {0, 0, 0}, new float[] {1, 1, 1});
    static final ImagePreprocessing GRAY = ImagePreprocessing.grayscale(4, 3, 0, 1);

    static final int[] TYPES = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_INT_ARGB_PRE,
        BufferedImage.TYPE_INT_BGR, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_4BYTE_ABGR_PRE,
        BufferedImage.TYPE_USHORT_565_RGB, BufferedImage.TYPE_USHORT_555_RGB, BufferedImage.TYPE_BYTE_GRAY,
        BufferedImage.TYPE_USHORT_GRAY, BufferedImage.TYPE_BYTE_BINARY, BufferedImage.TYPE_BYTE_INDEXED};

    @Test
    void everyImageTypeAndSizeGivesFiniteValuesOfTheRightLength() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int type : TYPES) {
            for (int[] size : new int[][] {{1, 1}, {4, 3}, {3, 4}, {1, 57}, {33, 2}}) {
                BufferedImage img = new BufferedImage(size[0], size[1], type);
                for (int y = 0; y < size[1]; y++) for (int x = 0; x < size[0]; x++) img.setRGB(x, y, (int) rnd.nextLong());
                for (ImagePreprocessing p : new ImagePreprocessing[] {RGB, GRAY}) {
                    float[] v = p.toChw(img);
                    assertThat(v).as("type %d, %dx%d", type, size[0], size[1]).hasSize(p.channels() * 12);
                    for (float f : v) assertThat(f).isBetween(0f, 1f);
                }
            }
        }
    }

    @Test
    void extremesOfGrayscaleAnd16BitImagesMapToZeroAndOne() {
        BufferedImage g16 = new BufferedImage(4, 3, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 3; y++) for (int x = 0; x < 4; x++) g16.getRaster().setSample(x, y, 0, x < 2 ? 0 : 65535);
        float[] v = GRAY.toChw(g16);
        assertThat(v[0]).isEqualTo(0f);
        assertThat(v[3]).isEqualTo(1f, org.assertj.core.data.Offset.offset(1e-6f)); // 0.299+0.587+0.114 rounds in float
        float[] rgb = RGB.toChw(g16);
        assertThat(new float[] {rgb[3], rgb[12 + 3], rgb[24 + 3]}).containsExactly(1f, 1f, 1f);
    }

    @Test
    void alphaIsDroppedAsPilConvertRgbDoesNotCompositeOverBlack() {
        // a fully transparent white pixel and a half-transparent orange one: PIL's convert("RGB") keeps the colours
        BufferedImage argb = new BufferedImage(4, 3, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 3; y++) for (int x = 0; x < 4; x++) argb.setRGB(x, y, x == 0 ? 0x00ffffff : 0x80c86432);
        float[] v = RGB.toChw(argb);
        assertThat(new float[] {v[0], v[12], v[24]}).containsExactly(1f, 1f, 1f);
        assertThat(new float[] {v[1], v[13], v[25]}).containsExactly(200 / 255f, 100 / 255f, 50 / 255f);
    }

    @Test
    void nullImageAndBadSettingsAreClearErrors() {
        assertThatThrownBy(() -> RGB.toChw(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image is null");
        assertThatThrownBy(() -> ImagePreprocessing.rgb(0, 3, new float[3], new float[] {1, 1, 1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x3");
        assertThatThrownBy(() -> ImagePreprocessing.grayscale(4, 3, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("std values must be positive");
        assertThatThrownBy(() -> ImagePreprocessing.grayscale(4, 3, 0, Float.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NaN");
        assertThatThrownBy(() -> new ImagePreprocessing(4, 3, 2, new float[2], new float[] {1, 1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 2");
    }
}
