package org.resnet4j.ops.nn;

import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;

/**
 * The addition at the end of a residual block: out = F(x) + shortcut(x). Its backward is the reason
 * deep residual networks train: the gradient arriving at the sum goes, unchanged, into both branches.
 */
public final class ResidualSum {

    /** The gradients the sum sends into its two inputs. */
    public record BranchGrads(Tensor main, Tensor shortcut) {}

    private final boolean inplace;
    private int[] outputShape;

    public ResidualSum() {
        this(false);
    }

    /**
     * With {@code inplace} the sum is written over the main branch's output, as torchvision's
     * {@code out += identity}: only when nothing reads that output afterwards (a BatchNorm2d's, whose
     * backward needs its input, not its output).
     */
    public ResidualSum(boolean inplace) {
        this.inplace = inplace;
    }

    // out (N, C, H, W) = main (N, C, H, W) + shortcut (N, C, H, W)
    public Tensor forward(Tensor mainBranch, Tensor shortcut) {
        checkBranches(mainBranch, shortcut);
        Tensor out = inplace ? mainBranch : mainBranch.backend().empty(mainBranch.shape()); // out: (N, C, H, W), overwritten
        mainBranch.backend().add(mainBranch, shortcut, out);
        outputShape = out.shape();
        return out;
    }

    /** A sum a fused forward ({@link Fusion#batchNorm}) computed into {@code out}: backward then works as after forward. */
    void adoptOutput(Tensor out) {
        outputShape = out.shape();
    }

    /** The two branches must have one shape, on one backend (also for a sum fused into a convolution). */
    static void checkBranches(Tensor mainBranch, Tensor shortcut) {
        if (!mainBranch.hasShape(shortcut.shape())) {
            throw new IllegalArgumentException("ResidualSum: the main branch gives " + Shape.str(mainBranch.shape())
                    + " but the shortcut gives " + Shape.str(shortcut.shape())
                    + "; they must match (a shortcut that changes channels or stride needs a downsample)");
        }
        Checks.sameBackend("ResidualSum", "the shortcut", mainBranch, shortcut);
    }

    // d(main + shortcut)/d(main) = d(main + shortcut)/d(shortcut) = 1: both branches receive dy itself.
    // Sharing one tensor is safe because no layer writes into the gradient it is given.
    public BranchGrads backward(Tensor dy) {
        Checks.forwardDone("ResidualSum", outputShape);
        Checks.gradShape("ResidualSum", dy, outputShape);
        return new BranchGrads(/* main = */ dy, /* shortcut = */ dy);
    }

    @Override
    public String toString() {
        return inplace ? "ResidualSum(inplace=True)" : "ResidualSum()";
    }
}
