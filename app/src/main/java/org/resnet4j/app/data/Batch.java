package org.resnet4j.app.data;

import org.resnet4j.core.Tensor;

/**
 * One mini-batch on the compute backend.
 *
 * @param images  (n, C, H, W), normalized (and augmented when training)
 * @param labels  (n) class indices stored as floats, as {@code CrossEntropyLoss} takes them
 * @param classes the same labels as ints, for accuracy on the host
 */
public record Batch(Tensor images, Tensor labels, int[] classes) {
    public int size() {
        return classes.length;
    }
}
