package org.resnet4j.verify;

import org.resnet4j.core.Backend;
import org.resnet4j.core.DType;
import org.resnet4j.core.Storage;

/** A heap {@code double[]} owned by the {@link ReferenceBackend}. */
public final class ReferenceStorage implements Storage {
    private final ReferenceBackend backend;
    final double[] data;

    ReferenceStorage(ReferenceBackend backend, double[] data) {
        this.backend = backend;
        this.data = data;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public long length() {
        return data.length;
    }

    @Override
    public DType dtype() {
        return DType.FLOAT64;
    }

    /** The array itself: finite-difference checks perturb single elements in place. */
    public double[] array() {
        return data;
    }
}
