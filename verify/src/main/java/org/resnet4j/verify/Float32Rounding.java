package org.resnet4j.verify;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.ModuleHook;

/**
 * Rounds every module's output and every input gradient to float32 as the float64 oracle runs: the
 * oracle then computes what a float32 implementation with correctly rounded layers would, at best.
 * Compared with the plain oracle, that run's error estimates how much a case amplifies float32
 * rounding (its conditioning): a training-mode BatchNorm over two values per channel turns the rounding
 * of its input into percent-level gradient errors, an eval-mode network keeps them near 1e-7.
 */
public final class Float32Rounding implements ModuleHook {
    @Override
    public boolean keepsTensors() {
        return false;
    }

    @Override
    public void afterForward(String path, Module module, Tensor output) {
        round(output);
    }

    @Override
    public void afterBackward(String path, Module module, Tensor gradOutput, Tensor gradInput) {
        if (gradInput != null) round(gradInput);
    }

    private static void round(Tensor t) {
        double[] v = t.toDoubles();
        for (int i = 0; i < v.length; i++) v[i] = (float) v[i];
        t.backend().copy(t.backend().fromDoubles(v, t.shape()), t);
    }
}
