package org.resnet4j.ops.nn;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;

/** torch.nn.Identity: y = x, dx = dy (a placeholder where a block has no layer, e.g. no downsample). */
public final class Identity extends Module {
    // y = x
    @Override
    protected Tensor forwardImpl(Tensor x) {
        return x;
    }

    // dx = dy
    @Override
    protected Tensor backwardImpl(Tensor dy) {
        return dy;
    }

    @Override
    public String describe() {
        return "Identity()";
    }
}
