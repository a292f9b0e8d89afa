package org.resnet4j.app.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Rng;

/**
 * Cuts a data set into mini-batches, shuffled and augmented with seeded generators, prepared on a
 * background thread (at most two batches ahead) so the compute threads never wait for data.
 *
 * <p>Reproducibility: everything random about an epoch is drawn on the caller's thread when the epoch
 * starts (the permutation from the shuffle generator, one seed for augmentation), so saving
 * {@link #shuffleRng()} and {@link #augmentRng()} between epochs and restoring them continues the exact
 * same sequence. The last batch may be smaller (PyTorch's {@code drop_last=False}).
 */
public final class BatchLoader {
    private final Dataset data;
    private final int batchSize;
    private final boolean shuffle;
    private final Augmenter augmenter;
    private final Normalization norm;
    private final Backend backend;
    private final Rng shuffleRng;
    private final Rng augmentRng;

    public BatchLoader(Dataset data, int batchSize, boolean shuffle, Augmenter augmenter, Normalization norm,
                       Backend backend, long seed) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (norm != null && norm.channels() != data.channels()) {
            throw new IllegalArgumentException("normalization has " + norm.channels() + " channels but " + data.source()
                    + " has " + data.channels());
        }
        this.data = data;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.augmenter = augmenter;
        this.norm = norm;
        this.backend = backend;
        // two independent streams derived from the one seed
        this.shuffleRng = new Rng(Rng.mix64(seed ^ 0x53485546464C45L));
        this.augmentRng = new Rng(Rng.mix64(seed ^ 0x4155474D454E54L));
    }

    public Rng shuffleRng() {
        return shuffleRng;
    }

    public Rng augmentRng() {
        return augmentRng;
    }

    public Dataset data() {
        return data;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Batches per epoch (the last one may be partial). */
    public int batchesPerEpoch() {
        return (data.size() + batchSize - 1) / batchSize;
    }

    /** Starts one pass over the data; close it (try-with-resources) to stop the preparing thread early. */
    public Epoch epoch() {
        int n = data.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (shuffle) shuffleRng.shuffle(order);
        long augSeed = augmenter != null ? augmentRng.nextLong() : 0L;
        return new Epoch(order, augSeed);
    }

    private record HostBatch(float[] images, int[] classes) {}

    private static final Object END = new Object();

    /** An iterator over one epoch's batches, fed by a background thread. */
    public final class Epoch implements Iterator<Batch>, AutoCloseable {
        private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(2);
        private final Thread producer;
        private Object next;

        private Epoch(int[] order, long augSeed) {
            producer = Thread.ofPlatform().daemon().name("resnet4j-data").unstarted(() -> produce(order, augSeed));
            producer.start();
        }

        private void produce(int[] order, long augSeed) {
            int per = data.imageSize(), c = data.channels(), h = data.height(), w = data.width();
            float[] src = data.images();
            try {
                for (int start = 0; start < order.length; start += batchSize) {
                    int b = Math.min(batchSize, order.length - start);
                    float[] im = new float[b * per];
                    int[] cls = new int[b];
                    for (int j = 0; j < b; j++) {
                        int idx = order[start + j];
                        cls[j] = data.labels()[idx];
                        if (augmenter != null) {
                            augmenter.apply(src, idx * per, im, j * per, c, h, w, augSeed, start + j);
                        } else {
                            System.arraycopy(src, idx * per, im, j * per, per);
                        }
                        if (norm != null) norm.apply(im, j * per, h * w);
                    }
                    queue.put(new HostBatch(im, cls));
                }
                queue.put(END);
            } catch (InterruptedException e) {
                // closed early: the consumer no longer wants batches
            } catch (RuntimeException | Error e) {
                try {
                    queue.put(e);
                } catch (InterruptedException ignored) {
                    // closed early
                }
            }
        }

        @Override
        public boolean hasNext() {
            if (next == null) {
                try {
                    next = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the next batch", e);
                }
            }
            if (next instanceof RuntimeException re) throw re;
            if (next instanceof Error er) throw er;
            return next != END;
        }

        @Override
        public Batch next() {
            if (!hasNext()) throw new NoSuchElementException();
            HostBatch hb = (HostBatch) next;
            next = null;
            int b = hb.classes().length;
            float[] lf = new float[b];
            for (int j = 0; j < b; j++) lf[j] = hb.classes()[j];
            // tensors are made on the consumer's thread: device backends need not be thread-safe
            return new Batch(backend.fromFloats(hb.images(), b, data.channels(), data.height(), data.width()),
                    backend.fromFloats(lf, b), hb.classes());
        }

        @Override
        public void close() {
            producer.interrupt();
            try {
                producer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
