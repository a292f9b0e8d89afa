package org.resnet4j.core;

import java.util.Arrays;

/**
 * A dense, contiguous, row-major tensor (NCHW for images). It is a shape over a {@link Storage};
 * {@link #reshape} makes another view of the same storage. All arithmetic goes through
 * {@link #backend()}.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;

    public Tensor(Storage storage, int... shape) {
        long n = Shape.numel(shape);
        if (n != storage.length()) {
            throw new IllegalArgumentException("shape " + Shape.str(shape) + " holds " + n
                    + " elements but the storage holds " + storage.length());
        }
        this.storage = storage;
        this.shape = shape.clone();
    }

    public Storage storage() {
        return storage;
    }

    public Backend backend() {
        return storage.backend();
    }

    public DType dtype() {
        return storage.dtype();
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public long numel() {
        return storage.length();
    }

    /** Number of elements as an int, for kernels that index with ints; fails clearly on overflow. */
    public int size() {
        long n = storage.length();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalStateException("tensor " + Shape.str(shape) + " has " + n + " elements, more than a kernel can index");
        }
        return (int) n;
    }

    public boolean hasShape(int... expected) {
        return Arrays.equals(shape, expected);
    }

    /** A view with another shape over the same storage (same element count). */
    public Tensor reshape(int... newShape) {
        return new Tensor(storage, newShape);
    }

    /** Copies the values to the host as floats (a device transfer on device backends). */
    public float[] toFloats() {
        return backend().toFloats(this);
    }

    /** Copies the values to the host as doubles (exact for the float64 oracle). */
    public double[] toDoubles() {
        return backend().toDoubles(this);
    }

    @Override
    public String toString() {
        return "Tensor" + Shape.str(shape) + " " + dtype() + " on " + backend().name();
    }
}
