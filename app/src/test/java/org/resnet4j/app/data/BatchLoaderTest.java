package org.resnet4j.app.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.resnet4j.core.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

class BatchLoaderTest {
    /** n single-pixel-distinct 1x4x4 images; image i has every pixel = i / 255 and label i mod 3. */
    static Dataset tiny(int n) {
        float[] im = new float[n * 16];
        int[] lb = new int[n];
        for (int i = 0; i < n; i++) {
            Arrays.fill(im, i * 16, (i + 1) * 16, i / 255f);
            lb[i] = i % 3;
        }
        return new Dataset("tiny", im, lb, 1, 4, 4, List.of("a", "b", "c"));
    }

    static List<Integer> order(BatchLoader l) {
        List<Integer> seen = new ArrayList<>();
        try (BatchLoader.Epoch e = l.epoch()) {
            while (e.hasNext()) {
                Batch b = e.next();
                float[] px = b.images().toFloats();
                float[] lab = b.labels().toFloats();
                for (int j = 0; j < b.size(); j++) {
                    int id = Math.round(px[j * 16 + 5] * 255); // (1, 1): inside the image for padding <= 1
                    assertThat(lab[j]).isEqualTo((float) b.classes()[j]).isEqualTo((float) (id % 3));
                    seen.add(id);
                }
            }
        }
        return seen;
    }

    @Test
    void everyExampleOncePerEpochWithAPartialLastBatch() {
        BatchLoader l = new BatchLoader(tiny(10), 4, true, null, null, CpuBackend.get(), 7);
        assertThat(l.batchesPerEpoch()).isEqualTo(3);
        List<Integer> a = order(l), b = order(l);
        assertThat(a).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(b).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void restoringRngStatesReplaysTheNextEpoch() {
        BatchLoader l = new BatchLoader(tiny(20), 8, true, new Augmenter(1, true), null, CpuBackend.get(), 3);
        order(l);
        long s = l.shuffleRng().state(), a = l.augmentRng().state();
        List<Integer> expected = order(l);
        BatchLoader fresh = new BatchLoader(tiny(20), 8, true, new Augmenter(1, true), null, CpuBackend.get(), 99);
        fresh.shuffleRng().setState(s);
        fresh.augmentRng().setState(a);
        assertThat(order(fresh)).isEqualTo(expected);
    }

    @Test
    void noShuffleKeepsFileOrderAndNormalizes() {
        Normalization n = new Normalization(new float[] {0.5f}, new float[] {2f});
        BatchLoader l = new BatchLoader(tiny(3), 3, false, null, n, CpuBackend.get(), 1);
        try (BatchLoader.Epoch e = l.epoch()) {
            float[] px = e.next().images().toFloats();
            assertThat(px[16]).isEqualTo((1 / 255f - 0.5f) * 0.5f);
            assertThat(e.hasNext()).isFalse();
        }
    }

    @Test
    void closingEarlyStopsTheProducer() {
        BatchLoader l = new BatchLoader(tiny(100), 2, true, null, null, CpuBackend.get(), 1);
        BatchLoader.Epoch e = l.epoch();
        e.next();
        e.close();
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("resnet4j-data") && t.isAlive()))
                .isEmpty();
    }

    @Test
    void normalizationStatistics() {
        Dataset d = new Dataset("two", new float[] {0, 0, 0, 0, 1, 1, 1, 1}, new int[] {0, 1}, 1, 2, 2, List.of("x", "y"));
        Normalization n = Normalization.of(d);
        assertThat(n.mean()[0]).isEqualTo(0.5f);
        assertThat(n.std()[0]).isEqualTo(0.5f);
    }
}
