package org.resnet4j.verify;

import java.util.Map;
import org.resnet4j.core.Tensor;

/**
 * A layer (or block, or model) set up on one backend with given inputs and parameters, seen as a
 * differentiable function of its {@link #variables()}: the forward output and, given dL/dy, the
 * gradient of every variable. Finite differences, backend comparisons and goldens all drive layers
 * through this one interface.
 */
public interface Subject {
    String layer();

    String caseName();

    /**
     * The differentiable inputs and parameters, live: perturbing one of these tensors in place changes
     * the next {@link #forward()}. Keys are the golden names: "x", "weight", "bias", "logits", ...
     */
    Map<String, Tensor> variables();

    /** The name under which a variable's gradient is reported, e.g. "x" to "dx", "layer1.0.conv1.weight" to "grad.layer1.0.conv1.weight". */
    String gradientName(String variable);

    /** The name goldens give the forward output: "y", or "loss" for a loss. */
    default String outputName() {
        return "y";
    }

    /** Runs the forward pass on the current values. For a loss, a one-element tensor holding it. */
    Tensor forward();

    /**
     * Runs the backward pass of the last forward with output gradient dy (parameter gradients zeroed
     * first) and returns every variable's gradient under {@link #gradientName}, plus any extra outputs
     * (e.g. "probs"). Tensors returned are copies or owned by the subject.
     */
    Map<String, Tensor> backward(Tensor dy);

    /** State after the forward pass that goldens record, e.g. "running_mean"; empty by default. */
    default Map<String, Tensor> state() {
        return Map.of();
    }
}
