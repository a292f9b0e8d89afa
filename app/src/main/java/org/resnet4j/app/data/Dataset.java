package org.resnet4j.app.data;

import java.util.List;

/**
 * N images as float32 CHW planes in [0, 1] (raw pixel / 255) and their integer labels, with the class
 * names. Normalization and augmentation happen later, per batch, so one copy serves training and test.
 *
 * @param images n * channels * height * width values, image i starting at i * imageSize()
 */
public record Dataset(String source, float[] images, int[] labels, int channels, int height, int width,
                      List<String> classNames) {

    public Dataset {
        long per = (long) channels * height * width;
        if (per * labels.length != images.length) {
            throw new IllegalArgumentException(source + ": " + labels.length + " labels but " + images.length
                    + " pixel values (expected " + per * labels.length + ")");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException(source + ": label " + labels[i] + " of example " + i
                        + " is outside [0, " + classNames.size() + ")");
            }
        }
        classNames = List.copyOf(classNames);
    }

    public int size() {
        return labels.length;
    }

    public int imageSize() {
        return channels * height * width;
    }

    public int numClasses() {
        return classNames.size();
    }

    /** The first {@code n} examples (all of them when n is larger or not positive). */
    public Dataset limit(int n) {
        if (n <= 0 || n >= size()) return this;
        float[] im = java.util.Arrays.copyOf(images, n * imageSize());
        int[] lb = java.util.Arrays.copyOf(labels, n);
        return new Dataset(source + " (first " + n + ")", im, lb, channels, height, width, classNames);
    }

    /** Shape of one image, {C, H, W}. */
    public int[] imageShape() {
        return new int[] {channels, height, width};
    }
}
