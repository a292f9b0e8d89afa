package org.resnet4j.core.cpu;

import org.resnet4j.core.Backend;
import org.resnet4j.core.DType;
import org.resnet4j.core.Storage;

/**
 * A heap {@code float[]} owned by a {@link CpuBackend}. Once {@linkplain CpuBackend#release released}
 * the storage lets go of its array (which may then belong to another tensor) and every later access
 * fails, so a stale reference can never read or write recycled data.
 */
public final class CpuStorage implements Storage {
    private final CpuBackend backend;
    private final int length;
    private float[] data; // null once released

    CpuStorage(CpuBackend backend, float[] data) {
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
        return DType.FLOAT32;
    }

    boolean isReleased() {
        return data == null;
    }

    /** Gives up the array (for the pool); null when it was already released, so it is pooled once. */
    synchronized float[] detach() {
        float[] a = data;
        data = null;
        return a;
    }

    /** The array, or null once released (callers turn that into an error naming the tensor). */
    float[] dataOrNull() {
        return data;
    }

    /**
     * The array itself, for code in core that works on CPU tensors directly (data loaders copy in here).
     *
     * @throws IllegalStateException when the storage was released
     */
    public float[] array() {
        if (data == null) throw new IllegalStateException("a cpu tensor storage of " + length + " elements was released and cannot be used");
        return data;
    }
}
