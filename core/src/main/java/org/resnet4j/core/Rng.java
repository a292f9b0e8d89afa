package org.resnet4j.core;

/**
 * Seeded, reproducible random numbers: a SplitMix64 stream whose whole state is one {@code long}
 * (so a training checkpoint can save and restore it exactly), plus a counter-based
 * {@link #uniformAt(long, long)} that any backend, including a GPU kernel, can evaluate per element.
 */
public final class Rng {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private long state;

    public Rng(long seed) {
        this.state = seed;
    }

    /** The whole state; {@code new Rng(0).setState(s)} continues exactly where this one was. */
    public long state() {
        return state;
    }

    public void setState(long state) {
        this.state = state;
    }

    /** SplitMix64's finalizer: a bijective mix of 64 bits. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix64(state);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform integer in [0, bound), without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long limit = (1L << 32) - ((1L << 32) % bound);
        while (true) {
            long r = nextLong() >>> 32;
            if (r < limit) return (int) (r % bound);
        }
    }

    /** Standard normal by Box-Muller; uses two uniforms per value so the state stays a single long. */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble(); // (0, 1]: log is finite
        double u2 = nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** Fisher-Yates shuffle of {@code a} in place. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /**
     * The i-th uniform in [0, 1) of the stream named by seed, computable independently per element:
     * 24 random bits, so a float32 device kernel gets exactly the same value.
     */
    public static double uniformAt(long seed, long index) {
        long z = mix64(seed * GOLDEN_GAMMA + mix64(index + GOLDEN_GAMMA));
        return (z >>> 40) * 0x1.0p-24;
    }
}
