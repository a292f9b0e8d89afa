package org.resnet4j.ops;

/**
 * PyTorch's {@code torch.inference_mode()}: while one is open on a thread, forward passes there are for
 * inference only. Nothing is kept for backward (a backward through a module whose last forward ran in it is
 * an error that says so), and each convolution followed by an eval-mode batch norm, and by a ReLU or a
 * residual sum, runs as one layer: the batch norm, the sum and the ReLU are applied to each tile of the
 * convolution's output while it is still in cache (see {@link org.resnet4j.core.ConvEpilogue}), with the same
 * bits as the layers one by one.
 * <pre>
 * try (InferenceMode ignored = InferenceMode.enter()) {
 *     Tensor logits = model.eval().forward(images);
 * }
 * </pre>
 * A layer with a hook attached is never fused (its hook sees its own output), nor a batch norm in training
 * mode or one without running statistics; those run as they always do. Scopes nest; each thread has its own.
 */
public final class InferenceMode implements AutoCloseable {
    private static final ThreadLocal<InferenceMode> CURRENT = new ThreadLocal<>();
    private final InferenceMode outer;
    private int fused;
    private boolean closed;

    private InferenceMode(InferenceMode outer) {
        this.outer = outer;
    }

    /** Opens a scope on this thread; close it (try-with-resources) to leave. */
    public static InferenceMode enter() {
        InferenceMode m = new InferenceMode(CURRENT.get());
        CURRENT.set(m);
        return m;
    }

    /** Whether a scope is open on this thread. */
    public static boolean active() {
        return CURRENT.get() != null;
    }

    /** Counts a convolution that ran fused with what follows it, in the innermost open scope (called by the layers). */
    public static void recordFusedConvolution() {
        InferenceMode m = CURRENT.get();
        if (m != null) m.fused++;
    }

    /**
     * How many convolutions ran fused with their batch norm (and what follows it) while this was the innermost
     * scope: all of a zoo ResNet's in eval mode, fewer where hooks or training-mode batch norms keep layers apart.
     */
    public int fusedConvolutions() {
        return fused;
    }

    /** Leaves the scope; a second close does nothing. Scopes close innermost first. */
    @Override
    public void close() {
        if (closed) return;
        if (CURRENT.get() != this) {
            throw new IllegalStateException("InferenceMode: closing a scope that is not the innermost one open on this thread;"
                    + " close scopes in reverse order (try-with-resources does)");
        }
        closed = true;
        if (outer == null) CURRENT.remove();
        else CURRENT.set(outer);
    }
}
