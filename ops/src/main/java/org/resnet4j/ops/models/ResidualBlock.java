package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;

/**
 * A block with a residual sum, whose last backward can be inspected branch by branch (for teaching:
 * what reaches the sum, what each branch sends back, and their total at the block's input).
 * Recording is off by default because it keeps three gradient tensors per block alive.
 */
public interface ResidualBlock {

    /**
     * The gradients of one backward pass through a block:
     * {@code atSum} arrives at the residual sum and goes, unchanged, into both branches;
     * {@code fromMain} and {@code fromShortcut} are what the two branches send back to the point where
     * they split (the block input, or the pre-activation for a pre-activation block with a projection);
     * {@code atInput} is the block's input gradient. For an identity shortcut {@code fromShortcut} is
     * {@code atSum} itself. {@code fromShortcut} is null for a plain block (no shortcut).
     */
    record BranchFlow(Tensor atSum, Tensor fromMain, Tensor fromShortcut, Tensor atInput) {}

    /** Starts (true) or stops (false) keeping the last backward's {@link BranchFlow}. */
    void recordBranchFlow(boolean on);

    /** The last recorded flow, or null when recording is off or no backward ran since it was turned on. */
    BranchFlow lastBranchFlow();

    /** Holds the flow for a block that implements this interface. */
    final class Recorder {
        private boolean on;
        private BranchFlow last;

        void set(boolean on) {
            this.on = on;
            if (!on) last = null;
        }

        void record(Tensor atSum, Tensor fromMain, Tensor fromShortcut, Tensor atInput) {
            if (on) last = new BranchFlow(atSum, fromMain, fromShortcut, atInput);
        }

        BranchFlow last() {
            return last;
        }
    }
}
