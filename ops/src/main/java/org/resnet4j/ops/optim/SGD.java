package org.resnet4j.ops.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Parameter;

/**
 * torch.optim.SGD: g = grad + wd * param; with momentum, buf = g on the first step, then
 * buf = momentum * buf + (1 - dampening) * g, and g = nesterov ? g + momentum * buf : buf;
 * param -= lr * g.
 */
public final class SGD extends Optimizer {
    private final double momentum, dampening, weightDecay;
    private final boolean nesterov;

    public SGD(Map<String, Parameter> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    public SGD(Map<String, Parameter> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(params, lr);
        if (!(momentum >= 0)) throw new IllegalArgumentException("Invalid momentum value: " + momentum + " (must be >= 0)");
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("Invalid weight_decay value: " + weightDecay + " (must be >= 0)");
        if (Double.isNaN(dampening)) throw new IllegalArgumentException("Invalid dampening value: NaN");
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening, got momentum="
                    + momentum + ", dampening=" + dampening);
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    protected void update(String name, Parameter p) {
        Tensor buf = null;
        boolean first = false;
        if (momentum != 0) {
            first = slot(name, "momentum_buffer") == null;
            buf = slotOrZeros(name, p, "momentum_buffer"); // (same shape as the parameter)
        }
        p.data().backend().sgdUpdate(p.data(), p.grad(), buf, lr(), momentum, dampening, nesterov, weightDecay, first);
    }

    @Override
    public String type() {
        return "SGD";
    }

    @Override
    protected Map<String, Double> hyperparameters() {
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("momentum", momentum);
        h.put("dampening", dampening);
        h.put("weight_decay", weightDecay);
        h.put("nesterov", nesterov ? 1.0 : 0.0);
        return h;
    }
}
