package org.resnet4j.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A JMH auxiliary counter: each benchmark adds the work it did in units of 1e9 floating-point
 * operations, and JMH reports the counter as a rate, so the secondary result ":gflop" reads directly
 * as GFLOP/s.
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class Flops {
    public double gflop;

    @Setup(Level.Iteration)
    public void reset() {
        gflop = 0;
    }

    public void add(long flops) {
        gflop += flops * 1e-9;
    }
}
