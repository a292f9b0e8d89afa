package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.nn.AvgPool2d;

/**
 * Shortcut option A of He et al. 2015 (section 4.2, CIFAR): parameter-free. When a stage halves the
 * resolution and doubles the channels, the shortcut takes every second pixel, x[:, :, ::2, ::2]
 * (an AvgPool2d with kernel 1 and stride 2 is exactly that), and pads the new channels with zeros,
 * half before and half after, as the usual PyTorch port does with F.pad.
 */
public final class OptionAShortcut extends Module {
    private final int inPlanes, outPlanes, before, after;
    private final AvgPool2d subsample; // null when stride is 1
    private int[] pooledShape;

    public OptionAShortcut(int inPlanes, int outPlanes, int stride) {
        if (outPlanes < inPlanes) throw new IllegalArgumentException("option A cannot reduce channels (" + inPlanes + " -> " + outPlanes + ")");
        if (stride != 1 && stride != 2) throw new IllegalArgumentException("option A supports stride 1 or 2, got " + stride);
        this.inPlanes = inPlanes;
        this.outPlanes = outPlanes;
        this.before = (outPlanes - inPlanes) / 2;
        this.after = outPlanes - inPlanes - before;
        this.subsample = stride == 2 ? registerModule("subsample", new AvgPool2d(1, 2, 0)) : null;
    }

    // y (N, out, H/2, W/2) = [0 (before channels), x[:, :, ::2, ::2], 0 (after channels)]
    @Override
    protected Tensor forwardImpl(Tensor x) {
        checkInput(x, x.rank() == 4 && x.dim(1) == inPlanes, "(N, " + inPlanes + ", H, W)");
        Tensor pooled = subsample == null ? x : subsample.forward(x);         // (N, in, H/2, W/2)
        pooledShape = pooled.shape();
        Tensor y = x.backend().zeros(pooled.dim(0), outPlanes, pooled.dim(2), pooled.dim(3));
        x.backend().padChannels(pooled, before, after, y);
        return y;
    }

    // the zero channels have no input: only dy[:, before:before+in] flows back, through the subsampling
    @Override
    protected Tensor backwardImpl(Tensor dy) {
        Tensor dPooled = dy.backend().zeros(pooledShape);                       // (N, in, H/2, W/2)
        dy.backend().sliceChannels(dy, before, dPooled);
        return subsample == null ? dPooled : subsample.backward(dPooled);      // dx: (N, in, H, W)
    }

    @Override
    public String describe() {
        return "OptionAShortcut(" + inPlanes + " -> " + outPlanes + (subsample == null ? "" : ", stride=2") + ")";
    }
}
