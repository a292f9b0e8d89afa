package org.resnet4j.app.train;

import java.nio.file.Path;

/**
 * Everything that decides a training run's numbers. Two runs with equal configs, data and seed give
 * bit-identical parameters on the CPU.
 *
 * @param epochs         passes over the training set
 * @param batchSize      examples per step (the last batch of an epoch may be smaller)
 * @param optimizer      sgd, adam or adamw
 * @param lr             base learning rate (after warm-up)
 * @param momentum       SGD momentum (for adam/adamw: beta1)
 * @param nesterov       SGD Nesterov momentum
 * @param weightDecay    L2 (SGD, Adam) or decoupled (AdamW) weight decay
 * @param schedule       cosine, step, multistep or none; applied per step
 * @param warmupEpochs   linear warm-up from lr/10 over this many epochs (0 = none; fractions allowed)
 * @param labelSmoothing CrossEntropyLoss label smoothing
 * @param seed           seeds init (by the caller), shuffling and augmentation
 * @param augment        random crop with padding 4 + horizontal flip
 * @param logEvery       a metrics.csv step row (and a plain log line) every this many steps
 * @param evalBatchSize  batch size for the test set
 * @param milestones     epochs (from the start, warm-up included) at which the lr drops x0.1: every one for
 *                       {@code multistep}, a single period for {@code step}; null for the schedule's own
 */
public record TrainConfig(int epochs, int batchSize, String optimizer, double lr, double momentum, boolean nesterov,
                          double weightDecay, String schedule, double warmupEpochs, double labelSmoothing, long seed,
                          boolean augment, int logEvery, int evalBatchSize, Path out, double[] milestones) {

    /** Without milestones: the step schedules use their own (see {@link Schedules}). */
    public TrainConfig(int epochs, int batchSize, String optimizer, double lr, double momentum, boolean nesterov,
                       double weightDecay, String schedule, double warmupEpochs, double labelSmoothing, long seed,
                       boolean augment, int logEvery, int evalBatchSize, Path out) {
        this(epochs, batchSize, optimizer, lr, momentum, nesterov, weightDecay, schedule, warmupEpochs, labelSmoothing, seed,
                augment, logEvery, evalBatchSize, out, null);
    }

    public TrainConfig {
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        if (!(warmupEpochs >= 0) || Double.isInfinite(warmupEpochs)) throw new IllegalArgumentException("--warmup must be >= 0 epochs, got " + warmupEpochs);
        if (logEvery < 1) throw new IllegalArgumentException("--log-every must be >= 1, got " + logEvery);
        switch (optimizer) {
            case "sgd", "adam", "adamw" -> { }
            default -> throw new IllegalArgumentException("--optimizer must be sgd, adam or adamw, got '" + optimizer + "'");
        }
        switch (schedule) {
            case "cosine", "step", "multistep", "none" -> { }
            default -> throw new IllegalArgumentException("--schedule must be cosine, step, multistep or none, got '" + schedule + "'");
        }
        // checked here so a bad value is a usage error, not a failure when the optimizer is built
        if (!(momentum >= 0) || Double.isInfinite(momentum)) throw new IllegalArgumentException("--momentum must be >= 0, got " + momentum);
        if (!optimizer.equals("sgd") && !(momentum < 1)) {
            throw new IllegalArgumentException("--momentum is " + optimizer + "'s beta1 and must be < 1, got " + momentum);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("--weight-decay must be >= 0, got " + weightDecay);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("--label-smoothing must be in [0, 1], got " + labelSmoothing);
        }
        if (milestones != null) {
            milestones = milestones.clone();
            Schedules.checkMilestones(schedule, milestones, warmupEpochs, epochs);
        }
    }
}
