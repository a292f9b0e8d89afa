package org.resnet4j.app.train;

import java.util.Map;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.ModuleHook;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.nn.CrossEntropyLoss;

/**
 * Finds where a NaN or infinity first appeared, once training has seen one: checks the parameters,
 * then replays the failing batch with a hook that records the first module (in execution order)
 * whose output, and then whose input gradient, holds a non-finite value. Replaying only on failure
 * keeps the per-step cost at zero.
 */
final class NonFiniteLocator implements ModuleHook {
    private String where;

    static String locate(Module model, Tensor images, Tensor labels, CrossEntropyLoss loss) {
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Tensor d = e.getValue().data();
            if (d.backend().countNonFinite(d) > 0) return "parameter " + e.getKey() + " (updated by the previous step)";
        }
        NonFiniteLocator hook = new NonFiniteLocator();
        model.addHook(hook);
        try {
            Tensor logits = model.forward(images);
            if (hook.where != null) return hook.where;
            double l = loss.forward(logits, labels);
            if (!Double.isFinite(l)) return "the loss itself (finite logits, largest |logit| " + logits.backend().maxAbs(logits) + ")";
            model.zeroGrad();
            Tensor dlogits = loss.backward();
            model.backward(dlogits);
            if (hook.where != null) return hook.where;
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                Parameter p = e.getValue();
                if (p.hasGrad() && p.grad().backend().countNonFinite(p.grad()) > 0) return "the gradient of " + e.getKey();
            }
            return "no layer on replay (the values were finite when the batch was run again)";
        } finally {
            model.removeHook(hook);
        }
    }

    private static String name(String path, Module m) {
        return (path.isEmpty() ? "the model" : path) + " (" + m.describe() + ")";
    }

    @Override
    public void afterForward(String path, Module module, Tensor output) {
        if (where == null && output.backend().countNonFinite(output) > 0) where = "the output of " + name(path, module) + " in the forward pass";
    }

    @Override
    public void afterBackward(String path, Module module, Tensor gradOutput, Tensor gradInput) {
        if (where == null && gradInput != null && gradInput.backend().countNonFinite(gradInput) > 0) {
            where = "the input gradient of " + name(path, module) + " in the backward pass";
        }
    }
}
