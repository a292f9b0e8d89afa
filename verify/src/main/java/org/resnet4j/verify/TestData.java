package org.resnet4j.verify;

import java.nio.charset.StandardCharsets;
import org.resnet4j.core.Rng;

/**
 * Deterministic test inputs. Every value is rounded to float32 first, so a float32 backend and the
 * float64 oracle start from exactly the same numbers and any difference is the kernels' own.
 */
public final class TestData {
    private TestData() {}

    /** A seed derived from a case name (FNV-1a), so each case has its own fixed data. */
    public static long seed(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** Uniform in [lo, hi), float32-representable. */
    public static double[] uniform(Rng rng, int count, double lo, double hi) {
        double[] d = new double[count];
        for (int i = 0; i < count; i++) d[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return d;
    }

    /** Values at least {@code gap} away from zero (|x| in [gap, gap + spread)), for ReLU away from its kink. */
    public static double[] awayFromZero(Rng rng, int count, double gap, double spread) {
        double[] d = new double[count];
        for (int i = 0; i < count; i++) {
            double m = gap + spread * rng.nextDouble();
            d[i] = (float) (rng.nextDouble() < 0.5 ? -m : m);
        }
        return d;
    }

    /**
     * A random permutation of the distinct values {@code offset + step*i}: no two elements of any
     * pooling window are within {@code step} of each other, so the max is unique and a perturbation
     * smaller than step/2 never changes which element wins (max-pool away from its kinks).
     */
    public static double[] distinct(Rng rng, int count, double offset, double step) {
        int[] perm = new int[count];
        for (int i = 0; i < count; i++) perm[i] = i;
        rng.shuffle(perm);
        double[] d = new double[count];
        for (int i = 0; i < count; i++) d[i] = (float) (offset + step * perm[i]);
        return d;
    }

    /** Class indices in [0, k), as exact doubles. */
    public static double[] labels(Rng rng, int n, int k) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = rng.nextInt(k);
        return d;
    }
}
