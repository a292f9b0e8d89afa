package org.resnet4j.verify;

import org.resnet4j.core.Backend;
import org.resnet4j.core.DType;
import org.resnet4j.core.Storage;

/**
 * A heap {@code double[]} owned by the {@link ReferenceBackend}. Released storage lets go of its array
 * and fails every later access, as the CPU backend's does, so the oracle catches a use after release
 * too (it recycles nothing: the garbage collector takes the array).
 */
public final class ReferenceStorage implements Storage {
    private final ReferenceBackend backend;
    private final int length;
    double[] data; // null once released

    ReferenceStorage(ReferenceBackend backend, double[] data) {
        this.backend = backend;
        this.length = data.length;
        this.data = data;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public DType dtype() {
        return DType.FLOAT64;
    }

    /** The array itself: finite-difference checks perturb single elements in place. */
    public double[] array() {
        if (data == null) throw new IllegalStateException("a reference-f64 tensor storage of " + length + " elements was released and cannot be used");
        return data;
    }
}
