package org.resnet4j.core;

/**
 * The memory behind a tensor. Each backend owns its own kind: a heap array on the CPU, a device
 * buffer for OpenCL, a {@code double[]} for the float64 oracle. Layers never look inside; they pass
 * tensors to their backend's kernels, so a tensor can stay resident on its device for a whole step.
 */
public interface Storage {
    /** The backend that allocated this storage and whose kernels may read it. */
    Backend backend();

    /** Number of elements. */
    long length();

    DType dtype();
}
