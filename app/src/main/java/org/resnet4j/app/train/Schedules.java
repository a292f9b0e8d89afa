package org.resnet4j.app.train;

import org.resnet4j.ops.optim.CosineAnnealingLR;
import org.resnet4j.ops.optim.LinearWarmup;
import org.resnet4j.ops.optim.LrScheduler;
import org.resnet4j.ops.optim.MultiStepLR;
import org.resnet4j.ops.optim.Optimizer;
import org.resnet4j.ops.optim.StepLR;

/**
 * Builds the learning-rate schedule, stepped once per optimizer step (so "epochs" of the ops
 * schedulers are steps here): an optional linear warm-up from lr/10, then
 * <ul>
 *   <li>cosine: CosineAnnealingLR down to 0 at the last step;</li>
 *   <li>step: x0.1 after each third of the remaining steps (StepLR);</li>
 *   <li>multistep: x0.1 at 50% and 75% of the remaining steps (MultiStepLR; the CIFAR ResNet paper's shape);</li>
 *   <li>none: constant.</li>
 * </ul>
 * With milestones (in epochs from the start of the run, warm-up included, as torch's MultiStepLR is
 * usually given them): {@code multistep} drops x0.1 at each of them, {@code step} every
 * {@code milestones[0]} epochs.
 */
final class Schedules {
    static final double WARMUP_START_FACTOR = 0.1;

    private Schedules() {}

    /** Null when the lr stays constant (schedule none, no warm-up). */
    static LrScheduler build(Optimizer opt, String schedule, long totalSteps, int warmupSteps) {
        return build(opt, schedule, totalSteps, warmupSteps, null, 1);
    }

    /** {@code milestones} in epochs (null: the schedule's own), turned into steps with {@code stepsPerEpoch}. */
    static LrScheduler build(Optimizer opt, String schedule, long totalSteps, int warmupSteps, double[] milestones, int stepsPerEpoch) {
        int rest = (int) Math.max(1, Math.min(Integer.MAX_VALUE, totalSteps - warmupSteps));
        LrScheduler after = switch (schedule) {
            case "cosine" -> new CosineAnnealingLR(opt, rest);
            case "step" -> new StepLR(opt, milestones != null ? Math.max(1, (int) Math.round(milestones[0] * stepsPerEpoch))
                    : Math.max(1, rest / 3), 0.1);
            case "multistep" -> new MultiStepLR(opt, milestones != null ? afterWarmup(milestones, stepsPerEpoch, warmupSteps)
                    : new int[] {Math.max(1, rest / 2), Math.max(2, rest * 3 / 4)}, 0.1);
            case "none" -> null;
            default -> throw new IllegalArgumentException("unknown schedule '" + schedule + "'");
        };
        return warmupSteps > 0 ? new LinearWarmup(opt, warmupSteps, WARMUP_START_FACTOR, after) : after;
    }

    /** The schedule after the warm-up counts its own steps: a milestone at epoch e is step e*stepsPerEpoch - warmupSteps of it. */
    private static int[] afterWarmup(double[] epochs, int stepsPerEpoch, int warmupSteps) {
        int[] steps = new int[epochs.length];
        for (int i = 0; i < epochs.length; i++) steps[i] = Math.max(0, (int) Math.round(epochs[i] * stepsPerEpoch) - warmupSteps);
        return steps;
    }

    /** Usage errors for --milestones, named as on the command line. */
    static void checkMilestones(String schedule, double[] m, double warmupEpochs, int epochs) {
        String given = java.util.Arrays.toString(m);
        if (!schedule.equals("step") && !schedule.equals("multistep")) {
            throw new IllegalArgumentException("--milestones applies to --schedule step or multistep, not '" + schedule + "'");
        }
        if (m.length == 0) throw new IllegalArgumentException("--milestones needs at least one epoch");
        if (schedule.equals("step") && m.length != 1) {
            throw new IllegalArgumentException("--schedule step takes one --milestones value (the period in epochs), got " + given
                    + "; for several drops use --schedule multistep");
        }
        for (int i = 0; i < m.length; i++) {
            if (!(m[i] > 0) || Double.isInfinite(m[i])) throw new IllegalArgumentException("--milestones must be > 0 epochs, got " + given);
            if (i > 0 && !(m[i] > m[i - 1])) throw new IllegalArgumentException("--milestones must increase, got " + given);
            if (m[i] > epochs) throw new IllegalArgumentException("--milestones " + given + ": " + m[i] + " is after the last of the "
                    + epochs + " epochs");
        }
        if (schedule.equals("multistep") && m[0] < warmupEpochs) {
            throw new IllegalArgumentException("--milestones " + given + ": the first drop comes before the warm-up of " + warmupEpochs
                    + " epochs ends");
        }
    }
}
