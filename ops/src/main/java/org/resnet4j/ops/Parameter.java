package org.resnet4j.ops;

import org.resnet4j.core.Tensor;

/**
 * A trainable tensor and its gradient. The gradient is allocated on first use and
 * <em>accumulates</em> ({@code +=}) across backward passes until {@link #zeroGrad()}, as in PyTorch.
 */
public final class Parameter {
    private Tensor data;
    private Tensor grad;
    private boolean requiresGrad = true;

    public Parameter(Tensor data) {
        this.data = data;
    }

    public Tensor data() {
        return data;
    }

    /** Replaces the values (same shape); used when loading a checkpoint or moving to another backend. */
    public void setData(Tensor newData) {
        if (!newData.hasShape(data.shape())) {
            throw new IllegalArgumentException("parameter of shape " + org.resnet4j.core.Shape.str(data.shape())
                    + " cannot take a tensor of shape " + org.resnet4j.core.Shape.str(newData.shape()));
        }
        if (grad != null && grad.backend() != newData.backend()) grad = null;
        this.data = newData;
    }

    /** The accumulated gradient, allocated as zeros on the parameter's backend the first time. */
    public Tensor grad() {
        if (grad == null) grad = data.backend().zeros(data.shape());
        return grad;
    }

    /** True once a gradient has been allocated (optimizers skip parameters that never got one). */
    public boolean hasGrad() {
        return grad != null;
    }

    public void zeroGrad() {
        if (grad != null) grad.backend().fill(grad, 0.0);
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Frozen parameters (requiresGrad false) get no gradient and are skipped by optimizers. */
    public void setRequiresGrad(boolean requiresGrad) {
        this.requiresGrad = requiresGrad;
    }

    public int[] shape() {
        return data.shape();
    }

    public long numel() {
        return data.numel();
    }
}
