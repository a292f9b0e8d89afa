package org.resnet4j.ops.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.resnet4j.core.Tensor;

/**
 * Everything an optimizer needs to continue bit for bit after a restart: its kind, its
 * hyperparameters, its per-parameter tensors keyed {@code <parameter name>.<slot>} (e.g.
 * {@code layer1.0.conv1.weight.momentum_buffer}, {@code fc.bias.exp_avg_sq}) and its integer counters
 * ({@code step} for the number of {@code step()} calls, {@code <parameter name>.step} for Adam's per-parameter t).
 * Tensors are copies, independent of the optimizer that exported them.
 */
public final class OptimizerState {
    private final String type;
    private final Map<String, Double> hyperparameters;
    private final Map<String, Tensor> tensors;
    private final Map<String, Long> counters;

    public OptimizerState(String type, Map<String, Double> hyperparameters, Map<String, Tensor> tensors, Map<String, Long> counters) {
        this.type = type;
        this.hyperparameters = Collections.unmodifiableMap(new LinkedHashMap<>(hyperparameters));
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        this.counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters));
    }

    /** "SGD", "Adam" or "AdamW". */
    public String type() {
        return type;
    }

    /** lr and the constructor's other settings (momentum, betas, ...). */
    public Map<String, Double> hyperparameters() {
        return hyperparameters;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Map<String, Long> counters() {
        return counters;
    }
}
