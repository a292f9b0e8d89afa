package org.resnet4j.ops.optim;

/** torch.optim.lr_scheduler.StepLR: lr = base * gamma^floor(epoch / stepSize). */
public final class StepLR extends LrScheduler {
    private final int stepSize;
    private final double gamma;

    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        super(optimizer);
        if (stepSize < 1) throw new IllegalArgumentException("StepLR: step_size must be >= 1, got " + stepSize);
        checkGamma("StepLR", gamma);
        this.stepSize = stepSize;
        this.gamma = gamma;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        return baseLr() * Math.pow(gamma, epoch / stepSize);
    }

    @Override
    public String type() {
        return "StepLR";
    }
}
