package org.resnet4j.ops;

import org.resnet4j.core.Tensor;

/**
 * Observes modules as they run (gradient-flow reports, non-finite detection). Registered with
 * {@link Module#addHook}; the tensors passed are the module's own and must not be modified.
 */
public interface ModuleHook {
    /**
     * Whether this hook may hold on to a tensor it was shown after the call returns. While such a hook
     * is attached, the modules it observes do not {@linkplain org.resnet4j.core.Backend#release release}
     * their intermediate tensors for reuse (see {@link Module}), so the held tensors stay valid. A hook
     * that only reads them during the call (statistics, checks) returns false and costs no memory.
     */
    default boolean keepsTensors() {
        return true;
    }

    /** Before {@code module.forward} runs: its input (a profiler starts its clock here). */
    default void beforeForward(String path, Module module, Tensor input) {}

    /** Before {@code module.backward} runs: the gradient at its output. */
    default void beforeBackward(String path, Module module, Tensor gradOutput) {}

    /** After {@code module.forward}: its output. */
    default void afterForward(String path, Module module, Tensor output) {}

    /**
     * After {@code module.backward}: the gradient that arrived at its output and the one it sends to
     * its input; the module's parameter gradients are up to date at this point.
     */
    default void afterBackward(String path, Module module, Tensor gradOutput, Tensor gradInput) {}

    /**
     * Inside a residual block's backward, where its two branches meet again: {@code dSum} is the
     * gradient at the residual sum (after the block's final ReLU, if any), {@code dxMain} and
     * {@code dxShortcut} what the residual branch and the shortcut send back to the point where they
     * split, and {@code dx = dxMain + dxShortcut} the gradient there: the block's input gradient, except
     * in a pre-activation block with a projection shortcut, whose branches split after {@code bn1} and
     * {@code relu}. These are the very tensors the block's backward uses. Called before
     * {@link #afterBackward} of the same block.
     */
    default void afterResidualBackward(String path, Module block, Tensor dSum, Tensor dxMain, Tensor dxShortcut, Tensor dx) {}
}
