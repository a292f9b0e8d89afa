package org.resnet4j.opencl;

import java.lang.ref.Cleaner;
import org.jocl.cl_mem;
import org.resnet4j.core.Backend;
import org.resnet4j.core.DType;
import org.resnet4j.core.Storage;

/**
 * A float32 buffer resident on one OpenCL device. The device memory is released when the storage
 * becomes unreachable (a {@link java.lang.ref.Cleaner} action registered by the backend), or at once
 * when its tensor is {@linkplain OpenClBackend#release released}, after which every access fails.
 */
public final class OpenClStorage implements Storage {
    private final OpenClBackend backend;
    private final cl_mem mem;
    private final long length;
    private Cleaner.Cleanable cleanable; // frees the device buffer, once
    private boolean released;

    OpenClStorage(OpenClBackend backend, cl_mem mem, long length) {
        this.backend = backend;
        this.mem = mem;
        this.length = length;
    }

    /** The device buffer, or null once released. */
    cl_mem mem() {
        return released ? null : mem;
    }

    void setCleanable(Cleaner.Cleanable cleanable) {
        this.cleanable = cleanable;
    }

    boolean isReleased() {
        return released;
    }

    /** Frees the device buffer now (enqueued commands that use it still complete: OpenCL retains it for them). */
    void release() {
        if (released) return;
        released = true;
        cleanable.clean();
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
}
