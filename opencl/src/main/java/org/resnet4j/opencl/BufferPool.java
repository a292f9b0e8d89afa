package org.resnet4j.opencl;

import static org.jocl.CL.clReleaseMemObject;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.jocl.cl_mem;

/**
 * Device buffers of released tensors, kept by size and handed to the next tensor of the same size.
 * A training step allocates and releases the same sizes every step, and creating and freeing a
 * device buffer is a driver call that can wait for the device (on an H100 it was the largest host
 * cost of a ResNet-50 step). Reuse is safe on the backend's one in-order queue: commands that still
 * read a released buffer run before any command enqueued for its next tensor.
 *
 * <p>Holds at most {@code capBytes}; past that a returned buffer is freed. Thread-safe: tensors
 * that become unreachable return their buffers from the Cleaner's thread.
 */
final class BufferPool {
    private final Map<Long, ArrayDeque<cl_mem>> free = new HashMap<>();
    private final long capBytes;
    private long pooledBytes;

    BufferPool(long capBytes) {
        this.capBytes = capBytes;
    }

    /** A free buffer of exactly {@code bytes}, or null. */
    synchronized cl_mem take(long bytes) {
        ArrayDeque<cl_mem> q = free.get(bytes);
        if (q == null || q.isEmpty()) return null;
        pooledBytes -= bytes;
        return q.pop();
    }

    synchronized void give(cl_mem m, long bytes) {
        if (pooledBytes + bytes > capBytes) {
            clReleaseMemObject(m);
            return;
        }
        free.computeIfAbsent(bytes, b -> new ArrayDeque<>()).push(m);
        pooledBytes += bytes;
    }

    /** Frees every pooled buffer (before an allocation that would not fit otherwise). */
    synchronized void clear() {
        for (ArrayDeque<cl_mem> q : free.values()) {
            for (cl_mem m : q) clReleaseMemObject(m);
        }
        free.clear();
        pooledBytes = 0;
    }

    synchronized long pooledBytes() {
        return pooledBytes;
    }
}
