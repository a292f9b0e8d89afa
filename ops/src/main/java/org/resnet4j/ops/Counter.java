package org.resnet4j.ops;

/** An integer state value saved with the model as int64 (BatchNorm's num_batches_tracked). */
public final class Counter {
    private long value;

    public long get() {
        return value;
    }

    public void set(long value) {
        this.value = value;
    }

    public long incrementAndGet() {
        return ++value;
    }
}
