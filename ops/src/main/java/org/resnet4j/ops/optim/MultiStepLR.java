package org.resnet4j.ops.optim;

import java.util.Arrays;

/**
 * torch.optim.lr_scheduler.MultiStepLR: lr = base * gamma^(number of milestones <= epoch)
 * (bisect_right over the sorted milestones; a repeated milestone decays twice, as in PyTorch).
 */
public final class MultiStepLR extends LrScheduler {
    private final int[] milestones;
    private final double gamma;

    public MultiStepLR(Optimizer optimizer, int[] milestones, double gamma) {
        super(optimizer);
        if (milestones == null) throw new IllegalArgumentException("MultiStepLR: milestones must not be null");
        for (int m : milestones) {
            if (m < 0) throw new IllegalArgumentException("MultiStepLR: milestones must be >= 0, got " + Arrays.toString(milestones));
        }
        checkGamma("MultiStepLR", gamma);
        this.milestones = milestones.clone();
        Arrays.sort(this.milestones);
        this.gamma = gamma;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        int passed = 0;
        for (int m : milestones) if (m <= epoch) passed++;
        return baseLr() * Math.pow(gamma, passed);
    }

    @Override
    public String type() {
        return "MultiStepLR";
    }
}
