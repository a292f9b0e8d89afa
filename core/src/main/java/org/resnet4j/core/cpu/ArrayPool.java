package org.resnet4j.core.cpu;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The arrays of released CPU tensors, kept by length for the next allocation of the same length.
 * A training step allocates the same shapes in the same order every time, so after the first step
 * nearly every output and gradient comes from here instead of from a fresh (zeroed, often G1
 * humongous) array, and the heap stops filling with garbage.
 *
 * <p>Bounded: above {@code capacityBytes} the lengths used least recently are dropped first (their
 * arrays become ordinary garbage), so a batch size that is no longer used does not stay pinned.
 * Thread-safe; a few lock acquisitions per layer are negligible next to the kernels.
 */
final class ArrayPool {
    private final LinkedHashMap<Integer, ArrayDeque<float[]>> byLength = new LinkedHashMap<>(16, 0.75f, true);
    private long pooledBytes;
    private long capacityBytes;

    ArrayPool(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** An array of exactly {@code length} elements with stale contents, or null when none is pooled. */
    synchronized float[] take(int length) {
        ArrayDeque<float[]> q = byLength.get(length); // access order: marks this length as recently used
        if (q == null || q.isEmpty()) return null;
        pooledBytes -= bytes(length);
        return q.pop();
    }

    /** Keeps {@code a} for a later {@link #take}, or drops it when it cannot fit. */
    synchronized void give(float[] a) {
        long b = bytes(a.length);
        if (b > capacityBytes) return;
        byLength.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        pooledBytes += b;
        evictDownTo(capacityBytes);
    }

    /** Drops pooled arrays, least recently used lengths first, until at most {@code bytes} remain. */
    synchronized void evictDownTo(long bytes) {
        Iterator<Map.Entry<Integer, ArrayDeque<float[]>>> it = byLength.entrySet().iterator();
        while (pooledBytes > bytes && it.hasNext()) {
            Map.Entry<Integer, ArrayDeque<float[]>> e = it.next();
            ArrayDeque<float[]> q = e.getValue();
            while (pooledBytes > bytes && !q.isEmpty()) {
                q.pop();
                pooledBytes -= bytes(e.getKey());
            }
            if (q.isEmpty()) it.remove();
        }
    }

    synchronized long pooledBytes() {
        return pooledBytes;
    }

    synchronized long capacityBytes() {
        return capacityBytes;
    }

    synchronized void setCapacityBytes(long capacityBytes) {
        if (capacityBytes < 0) throw new IllegalArgumentException("pool capacity must be >= 0 bytes, got " + capacityBytes);
        this.capacityBytes = capacityBytes;
        evictDownTo(capacityBytes);
    }

    private static long bytes(int length) {
        return 4L * length;
    }
}
