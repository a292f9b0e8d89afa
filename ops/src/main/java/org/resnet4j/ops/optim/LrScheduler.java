package org.resnet4j.ops.optim;

/**
 * A learning-rate schedule over epochs, like torch.optim.lr_scheduler with one parameter group.
 * Construction records the optimizer's lr as the base lr and sets epoch 0; each {@link #step()}
 * (once per epoch, after the optimizer's steps) advances one epoch and writes the new lr into the
 * optimizer. Every schedule here is a closed form of the epoch (PyTorch's {@code _get_closed_form_lr}),
 * so restoring {@code lastEpoch} restores the lr exactly.
 */
public abstract class LrScheduler {
    protected final Optimizer optimizer;
    private double baseLr;
    private int lastEpoch;

    protected LrScheduler(Optimizer optimizer) {
        if (optimizer == null) throw new IllegalArgumentException(getClass().getSimpleName() + " needs an optimizer");
        this.optimizer = optimizer;
        this.baseLr = optimizer.lr();
    }

    /** Subclass constructors call this after validating their arguments: sets epoch 0's lr. */
    protected final void start() {
        lastEpoch = 0;
        optimizer.setLr(lrAt(0));
    }

    /** The learning rate at {@code epoch} (0 = the start). */
    public abstract double lrAt(int epoch);

    public abstract String type();

    /** Advances one epoch and sets the optimizer's lr. */
    public void step() {
        lastEpoch++;
        optimizer.setLr(lrAt(lastEpoch));
    }

    public int lastEpoch() {
        return lastEpoch;
    }

    public double baseLr() {
        return baseLr;
    }

    /** The lr this schedule last set. */
    public double lastLr() {
        return lrAt(lastEpoch);
    }

    public SchedulerState state() {
        return new SchedulerState(type(), lastEpoch, baseLr);
    }

    /** Continues from a saved state and sets the optimizer's lr accordingly. */
    public void loadState(SchedulerState s) {
        checkState(s);
        this.baseLr = s.baseLr();
        this.lastEpoch = s.lastEpoch();
        optimizer.setLr(lrAt(lastEpoch));
    }

    /** Throws what {@link #loadState} would throw for {@code s}, and changes nothing. */
    public void checkState(SchedulerState s) {
        if (!type().equals(s.type())) {
            throw new IllegalArgumentException("cannot load a " + s.type() + " scheduler state into " + type());
        }
        if (s.lastEpoch() < 0) throw new IllegalArgumentException(type() + " state has a negative epoch " + s.lastEpoch());
    }

    static void checkGamma(String who, double gamma) {
        if (!(gamma > 0) || Double.isInfinite(gamma)) throw new IllegalArgumentException(who + ": gamma must be > 0, got " + gamma);
    }
}
