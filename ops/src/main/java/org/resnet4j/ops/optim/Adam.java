package org.resnet4j.ops.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.resnet4j.ops.Parameter;

/**
 * torch.optim.Adam (amsgrad off), L2 weight decay added to the gradient: g = grad + wd * param;
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; param -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps),
 * with t counted per parameter from 1.
 */
public class Adam extends Optimizer {
    private final double beta1, beta2, eps, weightDecay;
    private final boolean decoupled;

    public Adam(Map<String, Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0);
    }

    public Adam(Map<String, Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        this(params, lr, beta1, beta2, eps, weightDecay, false);
    }

    Adam(Map<String, Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        super(params, lr);
        if (!(eps >= 0)) throw new IllegalArgumentException("Invalid epsilon value: " + eps + " (must be >= 0)");
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("Invalid beta parameter at index 0: " + beta1 + " (must be in [0, 1))");
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("Invalid beta parameter at index 1: " + beta2 + " (must be in [0, 1))");
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("Invalid weight_decay value: " + weightDecay + " (must be >= 0)");
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    @Override
    protected final void update(String name, Parameter p) {
        long t = incrementCounter(name + ".step");
        p.data().backend().adamUpdate(p.data(), p.grad(), slotOrZeros(name, p, "exp_avg"), slotOrZeros(name, p, "exp_avg_sq"),
                lr(), beta1, beta2, eps, weightDecay, decoupled, t);
    }

    @Override
    public String type() {
        return "Adam";
    }

    @Override
    protected final Map<String, Double> hyperparameters() {
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("beta1", beta1);
        h.put("beta2", beta2);
        h.put("eps", eps);
        h.put("weight_decay", weightDecay);
        return h;
    }
}
