package org.resnet4j.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A JMH auxiliary counter: each benchmark adds the floating-point operations it performed, so JMH
 * prints a "gflop" rate next to the ops/s score; divide it by 1e9 for GFLOP/s... JMH reports it as
 * ops/s of the counter, and the counter counts units of 1e9 FLOP (see {@link #add}).
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class Flops {
    /** Giga floating-point operations done; JMH turns it into a rate: GFLOP/s. */
    public double gflop;

    @Setup(Level.Iteration)
    public void reset() {
        gflop = 0;
    }

    public void add(long flops) {
        gflop += flops * 1e-9;
    }
}
