package org.resnet4j.app.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.List;
import org.resnet4j.app.data.FuzzScratch;
import org.resnet4j.app.data.Normalization;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.ops.api.ImagePreprocessing;

/**
 * Coverage-guided fuzzing (Jazzer) of the image path of {@code predict} and of
 * {@link org.resnet4j.ops.api.Classifier}: bytes to a decoded image ({@link PredictCommand#decode}),
 * to the model's input as {@code predict} makes it (RGB 32x32 and grayscale 28x28), and to the input
 * {@link ImagePreprocessing#toChw} makes for {@code Classifier.predict(BufferedImage, ...)}. Allowed:
 * finite inputs of the right length, or an IllegalArgumentException naming the file. Anything else
 * (a decoder's own exception escaping, OutOfMemoryError from a header that promises a huge image, a
 * hang) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays {@code ImageDecodeFuzzTestInputs/decode/}; with it, it fuzzes.
 */
class ImageDecodeFuzzTest {
    private static final String NAME = "fuzz.png";
    private static final RunInfo RGB = new RunInfo("resnet20", 3, 10, 32, 32,
            new Normalization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f}), List.of());
    private static final RunInfo GRAY = new RunInfo("seed-mnist", 1, 10, 28, 28,
            new Normalization(new float[] {0.5f}, new float[] {0.25f}), List.of());
    private static final ImagePreprocessing CLASSIFIER = ImagePreprocessing.rgb(16, 16,
            new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

    @FuzzTest(maxDuration = FuzzScratch.CI_DURATION)
    void decode(byte[] bytes) throws IOException {
        BufferedImage image;
        try {
            image = PredictCommand.decode(bytes, NAME);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith(NAME + ": ");
            return;
        }
        assertFinite(PredictCommand.load(bytes, NAME, RGB), 3 * 32 * 32);
        assertFinite(PredictCommand.load(bytes, NAME, GRAY), 28 * 28);
        assertFinite(CLASSIFIER.toChw(image), 3 * 16 * 16);
    }

    private static void assertFinite(float[] input, int length) {
        assertThat(input).hasSize(length);
        for (float v : input) assertThat(Float.isFinite(v)).as("finite input value").isTrue();
    }
}
