package org.resnet4j.ops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.io.StateDict;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

class ClassifierTest {
    @TempDir
    Path dir;

    static float[] randomImage(long seed, int n) {
        Rng r = new Rng(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    @Test
    void probabilitiesAndTopK() {
        RandomState.manualSeed(3);
        Classifier c = Classifier.create("resnet20", 10).withLabels(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"));
        float[] probs = c.predict(randomImage(1, 3 * 32 * 32), 3, 32, 32);
        double sum = 0;
        for (float p : probs) sum += p;
        assertThat(sum).isCloseTo(1.0, within(1e-5));
        List<Prediction> top = c.topK(randomImage(1, 3 * 32 * 32), new int[] {3, 32, 32}, 3);
        assertThat(top).hasSize(3);
        assertThat(top.get(0).probability()).isGreaterThanOrEqualTo(top.get(1).probability());
        assertThat(top.get(1).probability()).isGreaterThanOrEqualTo(top.get(2).probability());
        int best = 0;
        for (int i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
        assertThat(top.get(0).classIndex()).isEqualTo(best);
        assertThat(top.get(0).label()).isEqualTo("abcdefghij".substring(best, best + 1));

        Tensor batch = CpuBackend.get().fromFloats(randomImage(2, 2 * 3 * 32 * 32), 2, 3, 32, 32);
        assertThat(c.predict(batch).shape()).containsExactly(2, 10);
    }

    @Test
    void badInputsGetClearErrors() {
        Classifier c = Classifier.create("resnet20", 10);
        assertThatThrownBy(() -> c.predict(new float[10], 3, 32, 32)).hasMessageContaining("does not have shape (C, H, W) = (3, 32, 32)");
        assertThatThrownBy(() -> c.withLabels(List.of("x"))).hasMessageContaining("1 labels given for a model with 10 classes");
        assertThatThrownBy(() -> c.trainStep(new float[][] {new float[3 * 8 * 8]}, new int[] {3, 8, 8}, new int[] {10}, 0.1))
                .hasMessageContaining("label 10 at position 0 is outside 0..9");
        assertThatThrownBy(() -> Classifier.create("seed-mnist", 10).replaceHead(3)).hasMessageContaining("no replaceable fc head");
        assertThatThrownBy(() -> Classifier.create("resnet21", 10)).hasMessageContaining("unknown model 'resnet21'").hasMessageContaining("resnet20");
    }

    @Test
    void loadReadsTheNumberOfClassesFromTheFile() throws IOException {
        Path f = dir.resolve("w.safetensors");
        StateDict.save(ModelZoo.create("resnet20", ModelOptions.defaults().numClasses(7)), f);
        Classifier c = Classifier.load("resnet20", f);
        assertThat(c.numClasses()).isEqualTo(7);
        c.save(dir.resolve("again.safetensors"));
        assertThat(Classifier.load("resnet20", dir.resolve("again.safetensors")).numClasses()).isEqualTo(7);
    }

    @Test
    void fineTuningANewHeadOnAFrozenBackboneLowersTheLoss() {
        RandomState.manualSeed(5);
        Classifier c = Classifier.create("resnet20", 10);
        float[] conv1Before = c.model().namedParameters().get("conv1.weight").data().toFloats();
        c.replaceHead(3).freezeBackbone(true);
        assertThat(c.numClasses()).isEqualTo(3);
        float[][] images = {randomImage(1, 3 * 8 * 8), randomImage(2, 3 * 8 * 8), randomImage(3, 3 * 8 * 8), randomImage(4, 3 * 8 * 8)};
        int[] labels = {0, 1, 2, 1};
        double first = c.trainStep(images, new int[] {3, 8, 8}, labels, 0.05);
        double last = first;
        for (int i = 0; i < 15; i++) last = c.trainStep(images, new int[] {3, 8, 8}, labels, 0.05);
        assertThat(last).isLessThan(first);
        assertThat(c.model().namedParameters().get("conv1.weight").data().toFloats()).as("frozen").containsExactly(conv1Before);
        assertThat(c.model().isTraining()).as("back in eval mode").isFalse();
    }

    @Test
    void preprocessingResizesConvertsAndNormalizes() {
        BufferedImage img = new BufferedImage(4, 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2; y++) for (int x = 0; x < 4; x++) img.setRGB(x, y, (200 << 16) | (100 << 8) | 50);
        float[] rgb = ImagePreprocessing.imagenet(2).toChw(img);
        assertThat(rgb).hasSize(12);
        assertThat(rgb[0]).isCloseTo((200 / 255f - 0.485f) / 0.229f, within(1e-5f));
        assertThat(rgb[4]).isCloseTo((100 / 255f - 0.456f) / 0.224f, within(1e-5f));
        assertThat(rgb[11]).isCloseTo((50 / 255f - 0.406f) / 0.225f, within(1e-5f));
        float[] gray = ImagePreprocessing.grayscale(4, 2, 0.5f, 0.25f).toChw(img);
        assertThat(gray).hasSize(8);
        assertThat(gray[7]).isCloseTo(((0.299f * 200 + 0.587f * 100 + 0.114f * 50) / 255f - 0.5f) / 0.25f, within(1e-5f));
        assertThatThrownBy(() -> ImagePreprocessing.imagenet(2).toChw(null)).hasMessageContaining("image is null");
        assertThatThrownBy(() -> ImagePreprocessing.grayscale(2, 2, 0.5f, 0f)).hasMessageContaining("std values must be positive");
    }
}
