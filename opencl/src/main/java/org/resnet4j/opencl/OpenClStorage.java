package org.resnet4j.opencl;

import org.jocl.cl_mem;
import org.resnet4j.core.Backend;
import org.resnet4j.core.DType;
import org.resnet4j.core.Storage;

/**
 * A float32 buffer resident on one OpenCL device. The device memory is released when the storage
 * becomes unreachable (a {@link java.lang.ref.Cleaner} action registered by the backend).
 */
public final class OpenClStorage implements Storage {
    private final OpenClBackend backend;
    private final cl_mem mem;
    private final long length;

    OpenClStorage(OpenClBackend backend, cl_mem mem, long length) {
        this.backend = backend;
        this.mem = mem;
        this.length = length;
    }

    cl_mem mem() {
        return mem;
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
