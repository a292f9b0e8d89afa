package org.resnet4j.ops.nn;

import org.resnet4j.core.Backend;
import org.resnet4j.core.ConvEpilogue;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Buffer;
import org.resnet4j.ops.Counter;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;

/**
 * torch.nn.BatchNorm2d over (N, H, W) per channel. Training normalizes with the batch's biased
 * variance and folds the unbiased variance (times m/(m-1), m = N*H*W) into running_var; eval uses
 * the running statistics. Without track_running_stats there are no running statistics and the batch
 * statistics are used in eval too, as PyTorch does.
 */
public final class BatchNorm2d extends Module {
    private final int numFeatures;
    private final double eps;
    private final Double momentum; // null: cumulative moving average, factor 1/num_batches_tracked
    private final boolean affine, trackRunningStats;
    private final Parameter weight, bias;       // gamma, beta: (C), or null when not affine
    private final Buffer runningMean, runningVar; // (C), or null without track_running_stats
    private final Counter numBatchesTracked;

    private Tensor x;                            // saved input, (N, C, H, W)
    private boolean usedBatchStats;
    private long batchCount;                     // m = N*H*W of the last forward with batch statistics
    private Tensor batchMean, batchVar, batchInvStd; // (C) each, from the last training-mode forward

    public BatchNorm2d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true);
    }

    public BatchNorm2d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        if (numFeatures < 1) throw new IllegalArgumentException("BatchNorm2d needs num_features >= 1, got " + numFeatures);
        if (!(eps > 0)) throw new IllegalArgumentException("BatchNorm2d needs eps > 0, got " + eps);
        if (momentum != null && !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm2d needs momentum in [0, 1] or null (cumulative average), got " + momentum);
        }
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.trackRunningStats = trackRunningStats;
        Backend cpu = CpuBackend.get();
        if (affine) {
            weight = registerParameter("weight", new Parameter(cpu.zeros(numFeatures)));
            bias = registerParameter("bias", new Parameter(cpu.zeros(numFeatures)));
            cpu.fill(weight.data(), 1.0);
        } else {
            weight = null;
            bias = null;
        }
        if (trackRunningStats) {
            runningMean = registerBuffer("running_mean", new Buffer(cpu.zeros(numFeatures)));
            runningVar = registerBuffer("running_var", new Buffer(cpu.zeros(numFeatures)));
            cpu.fill(runningVar.data(), 1.0);
            numBatchesTracked = registerCounter("num_batches_tracked", new Counter());
        } else {
            runningMean = null;
            runningVar = null;
            numBatchesTracked = null;
        }
    }

    /** gamma (C), or null when not affine. */
    public Parameter weight() {
        return weight;
    }

    /** beta (C), or null when not affine. */
    public Parameter bias() {
        return bias;
    }

    /** running_mean (C), or null without track_running_stats. */
    public Buffer runningMean() {
        return runningMean;
    }

    /** running_var (C), or null without track_running_stats. */
    public Buffer runningVar() {
        return runningVar;
    }

    /** num_batches_tracked, or null without track_running_stats. */
    public Counter numBatchesTracked() {
        return numBatchesTracked;
    }

    public int numFeatures() {
        return numFeatures;
    }

    /** Whether a forward now normalizes with the batch's statistics (training mode, or no running statistics). */
    boolean usesBatchStats() {
        return training || !trackRunningStats;
    }

    /** Whether a forward now normalizes with the running statistics (eval mode, tracking them). */
    boolean usesRunningStats() {
        return !training && trackRunningStats;
    }

    /** This layer in eval mode, then the residual sum and the ReLU, as a convolution's epilogue for {@code y} (its input). */
    ConvEpilogue evalEpilogue(Tensor y, Tensor residual, boolean relu) {
        checkShape(y);
        return new ConvEpilogue(runningMean.data(), runningVar.data(), weight == null ? null : weight.data(),
                bias == null ? null : bias.data(), eps, residual, relu);
    }

    private void checkShape(Tensor x) {
        if (x.rank() != 4 || x.dim(1) != numFeatures) {
            throw new IllegalArgumentException(describe() + " expected input of shape (N, " + numFeatures + ", H, W) but got "
                    + Shape.str(x.shape()) + (x.rank() == 4 ? " (" + x.dim(1) + " channels instead of " + numFeatures + ")" : ""));
        }
        if (weight != null) Checks.sameBackend(describe(), x, weight);
        if (runningMean != null && x.backend() != runningMean.data().backend()) {
            throw new IllegalArgumentException(describe() + " got an input on backend '" + x.backend().name()
                    + "' but its running statistics are on '" + runningMean.data().backend().name() + "'; call module.to(backend) first");
        }
    }

    // train: mean = E[x], var = E[(x-mean)^2]; y = (x - mean) / sqrt(var + eps) * gamma + beta
    //        running = (1 - f) * running + f * batch stat, with var * m/(m-1) for running_var
    // eval:  y = (x - running_mean) / sqrt(running_var + eps) * gamma + beta
    @Override
    protected Tensor forwardImpl(Tensor x) {
        return forwardThen(x, null, false);
    }

    /**
     * The forward, then y = relu?(y + residual) in the same last pass over y when the batch statistics are used (see
     * {@link Fusion#batchNorm}); {@code residual} null and {@code relu} false otherwise.
     */
    Tensor forwardThen(Tensor x, Tensor residual, boolean relu) {
        checkShape(x);
        Backend be = x.backend();
        Tensor y = be.empty(x.shape());                                       // y: (N, C, H, W), overwritten
        Tensor gamma = weight == null ? null : weight.data(), beta = bias == null ? null : bias.data();
        usedBatchStats = training || !trackRunningStats;
        if (usedBatchStats) {
            long m = (long) x.dim(0) * x.dim(2) * x.dim(3);
            if (training && m <= 1) {
                throw new IllegalArgumentException(describe() + " expected more than 1 value per channel when training, got input "
                        + Shape.str(x.shape()) + "; use a larger batch or call eval()");
            }
            // written whole by batchNormTrainForward: empty, not zeroed (on a GPU three fill launches per layer fewer)
            batchMean = be.empty(numFeatures);                                // (C)
            batchVar = be.empty(numFeatures);                                 // (C), biased
            batchInvStd = be.empty(numFeatures);                              // (C), 1/sqrt(var + eps)
            be.batchNormTrainForwardFused(x, gamma, beta, eps, y, batchMean, batchVar, batchInvStd, residual, relu);
            batchCount = m;
            if (training && trackRunningStats) updateRunningStatistics(batchMean, batchVar, m);
        } else {
            if (residual != null || relu) throw new IllegalStateException(describe() + ": a sum or ReLU is fused only with batch statistics");
            be.batchNormEvalForward(x, runningMean.data(), runningVar.data(), gamma, beta, eps, y);
        }
        this.x = x;
        return y;
    }

    /**
     * The batch statistics of the last training-mode forward: mean and biased variance (C) over its m = N*H*W
     * values per channel. Data-parallel training sends them from the workers to the one model that keeps the
     * running statistics.
     */
    public record BatchStatistics(Tensor mean, Tensor biasedVar, long count) {}

    /** The statistics the last forward normalized with, or null when it used the running statistics (or none ran). */
    public BatchStatistics lastBatchStatistics() {
        if (!usedBatchStats || batchMean == null) return null;
        return new BatchStatistics(batchMean, batchVar, batchCount);
    }

    /**
     * Folds one batch's statistics into running_mean and running_var and counts it in num_batches_tracked, exactly as a
     * training-mode forward over that batch does (the forward calls this): replaying the statistics of several batches
     * in their order gives the running statistics bit for bit as forwards over them in that order.
     */
    public void updateRunningStatistics(Tensor mean, Tensor biasedVar, long count) {
        if (!trackRunningStats) throw new IllegalStateException(describe() + " keeps no running statistics");
        Backend be = runningMean.data().backend();
        long t = numBatchesTracked.incrementAndGet();
        double f = momentum == null ? 1.0 / t : momentum;
        Tensor rm = runningMean.data(), rv = runningVar.data();
        be.scale(rm, 1 - f, rm);
        be.axpy(f, mean, rm);
        be.scale(rv, 1 - f, rv);
        be.axpy(f * count / (count - 1), biasedVar, rv);
    }

    // train: xhat = (x - mean) * invStd; dbeta += sum(dy); dgamma += sum(dy * xhat);
    //        dx = gamma * invStd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat))
    // eval:  dx = dy * gamma / sqrt(running_var + eps) (the statistics are constants)
    @Override
    protected Tensor backwardImpl(Tensor dy) {
        Checks.forwardDone(describe(), x);
        Checks.gradShape(describe(), dy, x.shape());
        Backend be = dy.backend();
        Tensor dx = be.empty(x.shape());                                       // dx: (N, C, H, W), overwritten
        Tensor gamma = weight == null ? null : weight.data();
        Tensor dGamma = weight != null && weight.requiresGrad() ? weight.grad() : null; // (C)
        Tensor dBeta = bias != null && bias.requiresGrad() ? bias.grad() : null;         // (C)
        if (usedBatchStats) {
            be.batchNormTrainBackward(dy, x, gamma, batchMean, batchInvStd, dx, dGamma, dBeta);
        } else {
            be.batchNormEvalBackward(dy, x, runningMean.data(), runningVar.data(), gamma, eps, dx, dGamma, dBeta);
        }
        return dx;
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("BatchNorm2d(").append(numFeatures);
        sb.append(", eps=").append(Checks.py(eps)).append(", momentum=").append(momentum == null ? "None" : Checks.py(momentum));
        sb.append(", affine=").append(affine ? "True" : "False");
        sb.append(", track_running_stats=").append(trackRunningStats ? "True" : "False");
        return sb.append(')').toString();
    }
}
