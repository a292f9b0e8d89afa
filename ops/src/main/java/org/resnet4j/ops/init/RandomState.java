package org.resnet4j.ops.init;

import org.resnet4j.core.Rng;

/**
 * The process-wide seeded random stream, like torch's default generator: parameter init and dropout
 * seeds draw from it, so {@code RandomState.manualSeed(s)} makes a whole run reproducible and saving
 * {@link #state()} in a checkpoint lets a resumed run draw exactly the numbers it would have drawn.
 */
public final class RandomState {
    /** torch's default seed, so an unseeded run is still deterministic. */
    public static final long DEFAULT_SEED = 67280421310721L;

    private static final Rng GLOBAL = new Rng(DEFAULT_SEED);

    private RandomState() {}

    /** The global stream. Callers on several threads must synchronize on it themselves. */
    public static Rng global() {
        return GLOBAL;
    }

    /** Restarts the global stream from {@code seed} (torch.manual_seed). */
    public static void manualSeed(long seed) {
        GLOBAL.setState(seed);
    }

    /** The whole state of the global stream, for checkpoints. */
    public static long state() {
        return GLOBAL.state();
    }

    /** Continues the global stream exactly where {@link #state()} was taken. */
    public static void setState(long state) {
        GLOBAL.setState(state);
    }
}
