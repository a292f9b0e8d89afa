package org.resnet4j.ops.nn;

import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;

/** torch.nn.Flatten with start_dim=1: (N, d1, d2, ...) to (N, d1*d2*...), a view of the same storage. */
public final class Flatten extends Module {
    private int[] inputShape;

    // y (N, D) = x (N, d1, ..., dk) viewed with D = d1 * ... * dk
    @Override
    protected Tensor forwardImpl(Tensor x) {
        if (x.rank() < 2) {
            throw new IllegalArgumentException(describe() + " expected input of shape (N, ...) with at least 2 dimensions but got "
                    + Shape.str(x.shape()));
        }
        inputShape = x.shape();
        return x.reshape(x.dim(0), (int) (x.numel() / Math.max(1, x.dim(0))));
    }

    // dx (N, d1, ..., dk) = dy (N, D) viewed back
    @Override
    protected Tensor backwardImpl(Tensor dy) {
        Checks.forwardDone(describe(), inputShape);
        if (dy.numel() != Shape.numel(inputShape) || dy.rank() != 2 || dy.dim(0) != inputShape[0]) {
            throw new IllegalArgumentException(describe() + " expected a gradient of shape (" + inputShape[0] + ", "
                    + (Shape.numel(inputShape) / Math.max(1, inputShape[0])) + ") but got " + Shape.str(dy.shape()));
        }
        return dy.reshape(inputShape);
    }

    @Override
    public String describe() {
        return "Flatten(start_dim=1, end_dim=-1)";
    }
}
