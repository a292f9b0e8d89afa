package org.resnet4j.app.train;

import java.util.Map;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.hooks.NonFiniteGuard;
import org.resnet4j.ops.nn.CrossEntropyLoss;

/**
 * Finds where a NaN or infinity first appeared, once training has seen one: checks the parameters
 * (a previous update may have blown them up), then replays the failing batch under a
 * {@link NonFiniteGuard}, which names the first module, in execution order, whose output or gradient
 * went non-finite. Replaying only on failure keeps the per-step cost at zero.
 */
final class NonFiniteLocator {
    private NonFiniteLocator() {}

    static String locate(Module model, Tensor images, Tensor labels, CrossEntropyLoss loss) {
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Tensor d = e.getValue().data();
            if (d.backend().countNonFinite(d) > 0) return "parameter " + e.getKey() + " (updated by the previous step)";
        }
        NonFiniteGuard guard = new NonFiniteGuard();
        model.addHook(guard);
        try {
            Tensor logits = model.forward(images);
            if (guard.tripped()) return describe(guard.first());
            double l = loss.forward(logits, labels);
            if (!Double.isFinite(l)) return "the loss itself (finite logits, largest |logit| " + logits.backend().maxAbs(logits) + ")";
            model.zeroGrad();
            model.backward(loss.backward());
            if (guard.tripped()) return describe(guard.first());
            return "no layer on replay (the values were finite when the batch was run again)";
        } finally {
            model.removeHook(guard);
        }
    }

    private static String describe(NonFiniteGuard.Finding f) {
        return f.where() + " of '" + (f.path().isEmpty() ? "(model)" : f.path()) + "' " + f.module() + " (" + f.nonFinite() + " of "
                + f.total() + " values)";
    }
}
