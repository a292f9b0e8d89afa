package org.resnet4j.ops.optim;

/**
 * A linear warm-up, then another schedule: for epoch &lt; warmupSteps,
 * lr = base * (startFactor + (1 - startFactor) * epoch / warmupSteps) (torch's LinearLR to end_factor 1);
 * from then on lr = after.lrAt(epoch - warmupSteps), i.e. torch's
 * SequentialLR([LinearLR(start_factor, total_iters=warmupSteps), after], milestones=[warmupSteps]).
 * {@code after} may be null for a constant lr after the warm-up. Build {@code after} on the same
 * optimizer first; this schedule then drives the lr and {@code after} is only asked for its formula.
 */
public final class LinearWarmup extends LrScheduler {
    private final int warmupSteps;
    private final double startFactor;
    private final LrScheduler after;

    public LinearWarmup(Optimizer optimizer, int warmupSteps, double startFactor, LrScheduler after) {
        super(optimizer);
        if (warmupSteps < 1) throw new IllegalArgumentException("LinearWarmup: warmup steps must be >= 1, got " + warmupSteps);
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("LinearWarmup: start factor must be > 0 and <= 1, got " + startFactor);
        }
        if (after != null && after.optimizer != optimizer) {
            throw new IllegalArgumentException("LinearWarmup: the schedule after the warm-up must drive the same optimizer");
        }
        this.warmupSteps = warmupSteps;
        this.startFactor = startFactor;
        this.after = after;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        if (epoch < warmupSteps) return baseLr() * (startFactor + (1 - startFactor) * epoch / warmupSteps);
        return after == null ? baseLr() : after.lrAt(epoch - warmupSteps);
    }

    @Override
    public String type() {
        return "LinearWarmup";
    }
}
