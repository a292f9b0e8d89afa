package org.resnet4j.ops.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Buffer;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.ModuleHook;
import org.resnet4j.ops.init.RandomState;

/**
 * One loaded ResNet-18 shared by 8 threads: every prediction, of every batch size, has the bits a single thread gets
 * (the contract in {@link Classifier}'s comment). 64x64 images keep it quick; the batch norms get running statistics
 * drawn from a seed so that the fused inference path computes something other than the identity.
 */
class ClassifierConcurrencyTest {
    private static final int THREADS = 8, CALLS_PER_THREAD = 12, FEWER_CALLS = 5, SIDE = 64;
    private static final int[] BATCHES = {1, 2, 3, 1, 4, 2};

    private static Classifier resnet18(long seed) {
        RandomState.manualSeed(seed);
        Classifier c = Classifier.create("resnet18", 10);
        Rng r = new Rng(seed + 1);
        for (var e : c.model().namedBuffers().entrySet()) {
            Buffer b = e.getValue();
            float[] v = new float[(int) b.data().numel()];
            boolean variance = e.getKey().endsWith("running_var");
            for (int i = 0; i < v.length; i++) v[i] = variance ? 0.5f + (float) r.nextDouble() : 0.2f * (float) r.nextGaussian();
            b.setData(CpuBackend.get().fromFloats(v, b.data().shape()));
        }
        return c;
    }

    private static float[] images(long seed, int n) {
        return ClassifierTest.randomImage(seed, n * 3 * SIDE * SIDE);
    }

    /** Case i's probabilities: batches of one go through the float[] CHW call, the others through the tensor call. */
    private static float[] predict(Classifier c, int i) {
        int n = BATCHES[i];
        float[] x = images(100 + i, n);
        if (n == 1) return c.predict(x, 3, SIDE, SIDE);
        Tensor batch = CpuBackend.get().fromFloats(x, n, 3, SIDE, SIDE);
        return c.predict(batch).toFloats();
    }

    private static List<float[]> singleThreaded(Classifier c) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < BATCHES.length; i++) out.add(predict(c, i));
        return out;
    }

    /** Runs {@code calls} predictions on each of THREADS threads, each thread in its own order; returns every difference. */
    private static List<String> concurrentDifferences(Classifier c, List<float[]> expected, int calls) throws Exception {
        ConcurrentLinkedQueue<String> differences = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int call = 0; call < calls; call++) {
                        int i = (call * 5 + thread) % BATCHES.length;
                        float[] got = predict(c, i);
                        String d = firstDifference(expected.get(i), got);
                        if (d != null) differences.add("thread " + thread + " call " + call + " case " + i + ": " + d);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdownNow();
        }
        return List.copyOf(differences);
    }

    private static String firstDifference(float[] want, float[] got) {
        if (want.length != got.length) return "length " + got.length + ", expected " + want.length;
        for (int k = 0; k < want.length; k++) {
            if (Float.floatToRawIntBits(want[k]) != Float.floatToRawIntBits(got[k])) {
                return "element " + k + " is " + got[k] + ", single-threaded " + want[k];
            }
        }
        return null;
    }

    @Test
    void eightThreadsOnOneModelGetTheSingleThreadedBits() throws Exception {
        Classifier c = resnet18(21);
        List<float[]> expected = singleThreaded(c);
        assertThat(c.idleReplicas()).as("one thread runs the model itself").isZero();
        long stream = RandomState.state();

        assertThat(concurrentDifferences(c, expected, CALLS_PER_THREAD)).isEmpty();
        assertThat(c.idleReplicas()).as("replicas built for the callers that found the model busy").isBetween(1, THREADS - 1);
        assertThat(RandomState.state()).as("building replicas draws nothing from the global stream").isEqualTo(stream);
        // and the model itself, used alone again, still gives the same bits
        for (int i = 0; i < BATCHES.length; i++) assertThat(firstDifference(expected.get(i), predict(c, i))).isNull();
    }

    @Test
    void replicasFollowANewHead() throws Exception {
        Classifier c = resnet18(22);
        concurrentDifferences(c, singleThreaded(c), FEWER_CALLS);
        assertThat(c.idleReplicas()).isPositive();

        c.replaceHead(5);
        List<float[]> expected = singleThreaded(c);
        assertThat(expected.get(0)).hasSize(5);
        assertThat(concurrentDifferences(c, expected, FEWER_CALLS)).isEmpty();
    }

    @Test
    void withAHookAttachedPredictionsRunOneAtATimeOnTheModelItself() throws Exception {
        Classifier c = resnet18(23);
        List<float[]> expected = singleThreaded(c);
        AtomicInteger inside = new AtomicInteger(), mostInside = new AtomicInteger(), forwards = new AtomicInteger();
        ModuleHook watch = new ModuleHook() {
            @Override
            public void beforeForward(String path, Module module, Tensor input) {
                if (path.isEmpty()) mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            }

            @Override
            public void afterForward(String path, Module module, Tensor output) {
                if (path.isEmpty()) {
                    inside.decrementAndGet();
                    forwards.incrementAndGet();
                }
            }
        };
        c.model().addHook(watch);
        assertThat(concurrentDifferences(c, expected, FEWER_CALLS)).isEmpty();
        assertThat(forwards.get()).as("the hook saw every prediction").isEqualTo(THREADS * FEWER_CALLS);
        assertThat(mostInside.get()).isEqualTo(1);
        assertThat(c.idleReplicas()).isZero();
    }
}
