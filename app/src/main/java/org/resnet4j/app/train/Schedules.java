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
 */
final class Schedules {
    static final double WARMUP_START_FACTOR = 0.1;

    private Schedules() {}

    /** Null when the lr stays constant (schedule none, no warm-up). */
    static LrScheduler build(Optimizer opt, String schedule, long totalSteps, int warmupSteps) {
        int rest = (int) Math.max(1, Math.min(Integer.MAX_VALUE, totalSteps - warmupSteps));
        LrScheduler after = switch (schedule) {
            case "cosine" -> new CosineAnnealingLR(opt, rest);
            case "step" -> new StepLR(opt, Math.max(1, rest / 3), 0.1);
            case "multistep" -> new MultiStepLR(opt, new int[] {Math.max(1, rest / 2), Math.max(2, rest * 3 / 4)}, 0.1);
            case "none" -> null;
            default -> throw new IllegalArgumentException("unknown schedule '" + schedule + "'");
        };
        return warmupSteps > 0 ? new LinearWarmup(opt, warmupSteps, WARMUP_START_FACTOR, after) : after;
    }
}
