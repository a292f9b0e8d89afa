package org.resnet4j.ops.hooks;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.ModuleHook;
import org.resnet4j.ops.Parameter;

/**
 * Finds the first module, in execution order, where NaN or infinity appears: in its output during
 * forward, or during backward in the gradient arriving at it (which then came from outside the
 * hooked modules, e.g. the loss), the gradient it sends back, or its parameters' gradients. Children
 * report before their parents, so the finding names the innermost layer. Costs one count per tensor.
 */
public final class NonFiniteGuard implements ModuleHook {
    /** Reduces each tensor during the call and keeps only numbers. */
    @Override
    public boolean keepsTensors() {
        return false;
    }


    /** Where the first non-finite values were seen. */
    public record Finding(String path, String module, String where, long nonFinite, long total) {
        public String message() {
            return "non-finite values (" + nonFinite + " of " + total + ") first appeared in " + where + " of '"
                    + (path.isEmpty() ? "(model)" : path) + "' " + module
                    + "; lower the learning rate, check the input data, or inspect that layer";
        }
    }

    private final boolean throwImmediately;
    private Finding first;

    /** Records the first finding; training code asks {@link #tripped()} or calls {@link #check()}. */
    public NonFiniteGuard() {
        this(false);
    }

    /** With throwImmediately, the pass stops at the first finding with an IllegalStateException naming it. */
    public NonFiniteGuard(boolean throwImmediately) {
        this.throwImmediately = throwImmediately;
    }

    @Override
    public void afterForward(String path, Module module, Tensor output) {
        inspect(path, module, "the output", output);
    }

    @Override
    public void afterBackward(String path, Module module, Tensor gradOutput, Tensor gradInput) {
        inspect(path, module, "the gradient arriving at the output", gradOutput);
        if (gradInput != null) inspect(path, module, "the input gradient", gradInput);
        for (var e : module.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (!e.getKey().contains(".") && p.hasGrad()) inspect(path, module, "the gradient of parameter '" + e.getKey() + "'", p.grad());
        }
    }

    private void inspect(String path, Module module, String where, Tensor t) {
        if (first != null) return;
        long bad = t.backend().countNonFinite(t);
        if (bad == 0) return;
        first = new Finding(path, module.describe(), where, bad, t.numel());
        if (throwImmediately) throw new IllegalStateException(first.message());
    }

    public boolean tripped() {
        return first != null;
    }

    /** The first finding, or null. */
    public Finding first() {
        return first;
    }

    /** Throws an IllegalStateException naming the first finding, if any. */
    public void check() {
        if (first != null) throw new IllegalStateException(first.message());
    }

    /** Forgets the finding (e.g. after skipping a bad batch). */
    public void reset() {
        first = null;
    }
}
