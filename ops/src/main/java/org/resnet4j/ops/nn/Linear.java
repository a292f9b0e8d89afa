package org.resnet4j.ops.nn;

import org.resnet4j.core.Backend;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.init.Init;

/** torch.nn.Linear: y = x W^T + b, with W (out, in) and b (out). */
public final class Linear extends Module {
    private final int inFeatures, outFeatures;
    private final Parameter weight, bias;
    private Tensor x; // saved input, (N, in)

    public Linear(int in, int out) {
        this(in, out, true);
    }

    public Linear(int in, int out, boolean bias) {
        if (in < 1 || out < 1) throw new IllegalArgumentException("Linear needs in_features and out_features >= 1, got " + in + " and " + out);
        this.inFeatures = in;
        this.outFeatures = out;
        Backend cpu = CpuBackend.get();
        this.weight = registerParameter("weight", new Parameter(cpu.zeros(out, in)));
        this.bias = bias ? registerParameter("bias", new Parameter(cpu.zeros(out))) : null;
        Init.pytorchDefault(this.weight, this.bias);
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when built with bias=false. */
    public Parameter bias() {
        return bias;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    // y (N, out) = x (N, in) W^T (in, out) + b
    @Override
    protected Tensor forwardImpl(Tensor x) {
        if (x.rank() != 2 || x.dim(1) != inFeatures) {
            throw new IllegalArgumentException(describe() + " expected input of shape (N, " + inFeatures + ") but got "
                    + Shape.str(x.shape()) + (x.rank() == 2 ? " (" + x.dim(1) + " features instead of " + inFeatures + ")"
                    : "; put a Flatten() before it"));
        }
        Checks.sameBackend(describe(), x, weight);
        Backend be = x.backend();
        int n = x.dim(0);
        Tensor y = be.empty(n, outFeatures);                                   // y: (N, out), overwritten (beta = 0)
        be.gemm(false, true, n, outFeatures, inFeatures, 1.0, x, 0, inFeatures, weight.data(), 0, inFeatures, 0.0, y, 0, outFeatures);
        if (bias != null) be.addChannelBias(y, bias.data());
        this.x = x;
        return y;
    }

    // dx (N, in) = dy (N, out) W (out, in); dW (out, in) += dy^T x; db (out) += sum over N of dy
    @Override
    protected Tensor backwardImpl(Tensor dy) {
        Checks.forwardDone(describe(), x);
        int n = x.dim(0);
        Checks.gradShape(describe(), dy, new int[] {n, outFeatures});
        Backend be = dy.backend();
        Tensor dx = be.empty(n, inFeatures);                                   // dx: (N, in), overwritten (beta = 0)
        be.gemm(false, false, n, inFeatures, outFeatures, 1.0, dy, 0, outFeatures, weight.data(), 0, inFeatures, 0.0, dx, 0, inFeatures);
        if (weight.requiresGrad()) {
            // beta = 1: the product is added to what the gradient already holds
            be.gemm(true, false, outFeatures, inFeatures, n, 1.0, dy, 0, outFeatures, x, 0, inFeatures, 1.0, weight.grad(), 0, inFeatures);
        }
        if (bias != null && bias.requiresGrad()) be.sumPerChannelAccumulate(dy, bias.grad());
        return dx;
    }

    @Override
    public String describe() {
        return "Linear(in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (bias != null ? "True" : "False") + ")";
    }
}
