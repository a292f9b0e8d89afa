package org.resnet4j.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** A JMH auxiliary counter of images processed: the secondary result ":images" reads as images/s. */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class Images {
    public double images;

    @Setup(Level.Iteration)
    public void reset() {
        images = 0;
    }

    public void add(int n) {
        images += n;
    }
}
