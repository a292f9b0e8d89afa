package org.resnet4j.core;

/**
 * What an inference-mode convolution does to its output before storing it, the layers that follow it in a
 * ResNet folded into the pass that writes it:
 * <pre>
 *   y = relu?( batchnorm_eval( conv(x) + bias ) + residual )
 * </pre>
 * with each part optional: the batch norm (eval mode, running statistics) when {@code runMean} is not null,
 * the residual sum when {@code residual} is not null (a tensor of y's shape), the ReLU when {@code relu}. The
 * result has the same bits as {@link Backend#batchNormEvalForward}, {@link Backend#add} and {@link Backend#relu}
 * applied one after another to the convolution's output ({@link Backend#conv2dForwardFused}'s default does just
 * that); a backend that fuses them saves a pass over memory per layer.
 *
 * @param runMean running_mean (C), or null for no batch norm (then runVar, gamma, beta are ignored)
 * @param runVar  running_var (C)
 * @param gamma   the batch norm's weight (C), or null when it is not affine
 * @param beta    the batch norm's bias (C), or null when it is not affine
 * @param eps     the batch norm's eps
 * @param residual the shortcut added after the batch norm, or null
 * @param relu    whether a ReLU comes last
 */
public record ConvEpilogue(Tensor runMean, Tensor runVar, Tensor gamma, Tensor beta, double eps, Tensor residual, boolean relu) {

    public ConvEpilogue {
        if (runMean != null && runVar == null) throw new IllegalArgumentException("ConvEpilogue: running_mean given without running_var");
    }

    /** Whether a batch norm is part of it. */
    public boolean normalizes() {
        return runMean != null;
    }
}
