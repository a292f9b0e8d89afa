package org.resnet4j.core.cpu;

import org.resnet4j.core.Backend;
import org.resnet4j.core.DType;
import org.resnet4j.core.Storage;

/** A heap {@code float[]} owned by a {@link CpuBackend}. */
public final class CpuStorage implements Storage {
    private final CpuBackend backend;
    final float[] data;

    CpuStorage(CpuBackend backend, float[] data) {
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
        return DType.FLOAT32;
    }

    /** The array itself, for code in core that works on CPU tensors directly (data loaders copy in here). */
    public float[] array() {
        return data;
    }
}
