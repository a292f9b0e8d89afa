package org.resnet4j.ops.optim;

import java.util.Map;
import org.resnet4j.ops.Parameter;

/**
 * torch.optim.AdamW: Adam with decoupled weight decay, param *= 1 - lr * wd before the Adam step
 * (the decay does not pass through m and v). Default weight_decay 1e-2, as torch.
 */
public final class AdamW extends Adam {

    public AdamW(Map<String, Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 1e-2);
    }

    public AdamW(Map<String, Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(params, lr, beta1, beta2, eps, weightDecay, true);
    }

    @Override
    public String type() {
        return "AdamW";
    }
}
