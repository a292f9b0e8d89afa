package org.resnet4j.ops.optim;

/**
 * torch.optim.lr_scheduler.CosineAnnealingLR in its closed form:
 * lr = eta_min + (base - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.
 * Past T_max the cosine continues (it rises again), as PyTorch's closed form does.
 */
public final class CosineAnnealingLR extends LrScheduler {
    private final int tMax;
    private final double etaMin;

    public CosineAnnealingLR(Optimizer optimizer, int tMax) {
        this(optimizer, tMax, 0.0);
    }

    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        super(optimizer);
        if (tMax < 1) throw new IllegalArgumentException("CosineAnnealingLR: T_max must be >= 1, got " + tMax);
        if (!(etaMin >= 0)) throw new IllegalArgumentException("CosineAnnealingLR: eta_min must be >= 0, got " + etaMin);
        this.tMax = tMax;
        this.etaMin = etaMin;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        return etaMin + (baseLr() - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }

    @Override
    public String type() {
        return "CosineAnnealingLR";
    }
}
