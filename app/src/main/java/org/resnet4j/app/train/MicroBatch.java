package org.resnet4j.app.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.resnet4j.app.data.Batch;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;

/**
 * One fixed slice of a step's batch: gradient accumulation and data-parallel training both split a batch
 * into these, compute each one's gradient on its own and add the gradients in index order.
 *
 * @param index   position in the step, 0-based: the order of the sum
 * @param images  (n, C, H, W) row-major, as the batch loader made them (normalized, augmented)
 * @param shape   (n, C, H, W)
 * @param classes the n labels
 * @param weight  n / batch size: the micro-batch's share of the step's mean loss
 */
public record MicroBatch(int index, float[] images, int[] shape, int[] classes, float weight) implements Serializable {

    public int size() {
        return classes.length;
    }

    /** The images on {@code backend}. */
    public Tensor imagesOn(Backend backend) {
        return backend.fromFloats(images, shape);
    }

    /** The labels as floats on {@code backend}, as CrossEntropyLoss takes them. */
    public Tensor labelsOn(Backend backend) {
        float[] y = new float[classes.length];
        for (int i = 0; i < y.length; i++) y[i] = classes[i];
        return backend.fromFloats(y, y.length);
    }

    /**
     * Splits a batch of size B into min(n, B) consecutive micro-batches whose sizes differ by at most one (the
     * larger first): B = 128, n = 3 gives 43, 43, 42. The split depends only on B and n, never on who computes it.
     */
    public static List<MicroBatch> split(Batch batch, int n) {
        if (n < 1) throw new IllegalArgumentException("the number of micro-batches must be >= 1, got " + n);
        int size = batch.size();
        int parts = Math.min(n, size);
        int[] s = batch.images().shape();
        int per = s[1] * s[2] * s[3];
        float[] all = batch.images().toFloats();
        List<MicroBatch> out = new ArrayList<>(parts);
        int start = 0;
        for (int i = 0; i < parts; i++) {
            int len = size / parts + (i < size % parts ? 1 : 0);
            float[] x = new float[len * per];
            System.arraycopy(all, start * per, x, 0, x.length);
            int[] c = java.util.Arrays.copyOfRange(batch.classes(), start, start + len);
            out.add(new MicroBatch(i, x, new int[] {len, s[1], s[2], s[3]}, c, (float) ((double) len / size)));
            start += len;
        }
        return out;
    }
}
