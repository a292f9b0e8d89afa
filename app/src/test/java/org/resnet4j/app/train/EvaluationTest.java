package org.resnet4j.app.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.app.data.BatchLoader;
import org.resnet4j.app.data.Dataset;
import org.resnet4j.app.data.Normalization;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.nn.Flatten;
import org.resnet4j.ops.nn.Linear;

class EvaluationTest {
    private final Backend cpu = CpuBackend.get();

    @Test
    void mirroredReversesEachRowOfEachChannel() {
        // (N=2, C=1, H=2, W=3)
        Tensor x = cpu.fromFloats(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 1, 2, 3);
        Tensor m = Evaluation.mirrored(x);
        assertThat(m.shape()).containsExactly(2, 1, 2, 3);
        assertThat(m.toFloats()).containsExactly(3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10);
        assertThat(x.toFloats()).startsWith(1, 2, 3); // the input is left as it was
    }

    /**
     * 1x1x2 images whose class is the brighter pixel, scored by logits = (left pixel, right pixel): plain
     * evaluation is always right; averaged with the mirror image, both logits are (left + right) / 2, a tie
     * that argmax gives to class 0, so only the class-0 images count and the loss is ln 2 for every image.
     */
    @Test
    void flipAveragingScoresTheMeanOfTheImagesAndTheMirrorsLogits() {
        float[] pixels = {0.9f, 0.1f, 0.2f, 0.7f, 0.3f, 0.8f, 0.6f, 0.5f, 0.1f, 0.4f};
        int[] labels = {0, 1, 1, 0, 1};
        Dataset ds = new Dataset("brighter pixel", pixels, labels, 1, 1, 2, List.of("left", "right"));
        Linear fc = new Linear(2, 2, false);
        fc.weight().setData(cpu.fromFloats(new float[] {1, 0, 0, 1}, 2, 2)); // identity
        Sequential model = new Sequential(new Flatten(), fc);
        BatchLoader loader = new BatchLoader(ds, 2, false, null, new Normalization(new float[] {0f}, new float[] {1f}), cpu, 0);

        Evaluation plain = Evaluation.run(model, loader, false);
        Evaluation flipped = Evaluation.run(model, loader, true);

        assertThat(plain.accuracy()).isEqualTo(1.0);
        assertThat(flipped.accuracy()).isEqualTo(2.0 / 5);
        assertThat(flipped.confusion()[1][0]).isEqualTo(3); // every class-1 image predicted as class 0
        assertThat(flipped.loss()).isCloseTo(Math.log(2), within(1e-6));
        double plainLoss = 0; // softmax cross-entropy of (left, right) with the true class, in double
        for (int i = 0; i < 5; i++) {
            double l = pixels[2 * i], r = pixels[2 * i + 1];
            plainLoss += Math.log(Math.exp(l) + Math.exp(r)) - (labels[i] == 0 ? l : r);
        }
        assertThat(plain.loss()).isCloseTo(plainLoss / 5, within(1e-6));
    }
}
