package org.resnet4j.core;

/**
 * The primitive kernels that layers call. One model code runs on every backend: the Vector-API CPU
 * backend (float32), the OpenCL backend (float32, tensors resident on the device) and the verify
 * module's reference backend (float64, plain loops, the oracle).
 *
 * <p>Conventions shared by every method:
 * <ul>
 *   <li>All tensors passed to a backend were allocated by that backend, are contiguous and row-major
 *       (NCHW for images). Shapes are checked by the layers; kernels may assume them.</li>
 *   <li>An output argument is <em>overwritten</em> unless the method says it <em>accumulates</em>
 *       ({@code +=}), which is how parameter gradients are written, as in PyTorch.</li>
 *   <li>Results must not depend on the number of threads: every reduction has a fixed order.</li>
 *   <li>Scalars are passed as {@code double}; a float32 backend rounds them to float once.</li>
 * </ul>
 */
public interface Backend {

    /** A short name for messages, e.g. {@code "cpu"}, {@code "opencl:NVIDIA H100"}, {@code "reference-f64"}. */
    String name();

    /** The element type of every tensor this backend allocates. */
    DType dtype();

    // ------------------------------------------------------------------ memory

    /** A new tensor of zeros. */
    Tensor zeros(int... shape);

    /**
     * A new tensor whose values are unspecified (on the CPU: whatever a recycled buffer held). Only for
     * an output that the next kernel <em>overwrites</em> in full (see the conventions above); never
     * for one that a kernel accumulates into or writes only in part.
     */
    Tensor empty(int... shape);

    /**
     * Declares that {@code t}, and every view of its storage, will not be used again, so the backend
     * may give its memory to a later allocation ({@link #zeros}, {@link #empty}). Any later use of
     * {@code t} fails with an error that names it. Releasing twice is harmless. Only the owner of a
     * tensor may release it: see {@code Module}'s rules for which tensors a model owns.
     */
    void release(Tensor t);

    /**
     * Blocks until every operation issued so far has completed: for timing on a backend that runs asynchronously
     * (OpenCL). The CPU backends finish each operation before returning, so for them it does nothing.
     */
    default void finish() {}

    /** Whether {@code t} was {@linkplain #release released}. */
    boolean isReleased(Tensor t);

    /** A new tensor holding a copy of {@code data} (row-major). */
    Tensor fromFloats(float[] data, int... shape);

    /** A new tensor holding {@code data}, rounded to this backend's dtype. */
    Tensor fromDoubles(double[] data, int... shape);

    float[] toFloats(Tensor t);

    double[] toDoubles(Tensor t);

    /** dst = src (same element count). */
    void copy(Tensor src, Tensor dst);

    /** Every element of t = value. */
    void fill(Tensor t, double value);

    // ------------------------------------------------------------------ matrix product

    /**
     * C = alpha * op(A) * op(B) + beta * C, on row-major matrices stored inside tensors starting at the
     * given element offsets, with leading dimensions lda/ldb/ldc. op(A) is (m, k), op(B) is (k, n).
     * With beta == 0, C is not read (NaN in C does not leak through).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              double alpha, Tensor a, int offA, int lda,
              Tensor b, int offB, int ldb,
              double beta, Tensor c, int offC, int ldc);

    // ------------------------------------------------------------------ element-wise

    /** out = a + b. out may alias a or b. */
    void add(Tensor a, Tensor b, Tensor out);

    /** y += alpha * x. */
    void axpy(double alpha, Tensor x, Tensor y);

    /** out = alpha * x. out may alias x. */
    void scale(Tensor x, double alpha, Tensor out);

    /** out = a * b element-wise. out may alias a or b. */
    void mul(Tensor a, Tensor b, Tensor out);

    /** y = max(x, 0); NaN stays NaN (torch.relu). y may alias x. */
    void relu(Tensor x, Tensor y);

    /** dx = dy where y &gt; 0, else 0 (PyTorch's threshold_backward on the output). dx may alias dy. */
    void reluBackward(Tensor dy, Tensor y, Tensor dx);

    /** y (n, c, h, w) += bias[c] for every n, h, w. Also used for rank-2 (n, c). */
    void addChannelBias(Tensor y, Tensor bias);

    /** acc[c] += sum over n, h, w of x (n, c, h, w); rank-2 (n, c) is treated as h = w = 1. */
    void sumPerChannelAccumulate(Tensor x, Tensor acc);

    // ------------------------------------------------------------------ reductions (to the host)

    double sum(Tensor t);

    double sumOfSquares(Tensor t);

    double maxAbs(Tensor t);

    /** Number of NaN or infinite elements. */
    long countNonFinite(Tensor t);

    // ------------------------------------------------------------------ convolution

    /** y (n, cOut, oh, ow) = conv(x (n, cIn, h, w), w (cOut, cIn/g, kH, kW)) + bias (cOut, nullable). */
    void conv2dForward(Tensor x, Tensor weight, Tensor bias, ConvGeometry g, Tensor y);

    /**
     * y = relu?(batchnorm_eval(conv(x) + bias) + residual) as {@link ConvEpilogue} describes, for inference: the
     * same bits as the layers one after another, which is what this default does. A backend that finishes each
     * output as its convolution stores it overrides this.
     */
    default void conv2dForwardFused(Tensor x, Tensor weight, Tensor bias, ConvGeometry g, ConvEpilogue e, Tensor y) {
        conv2dForward(x, weight, bias, g, y);
        if (e.normalizes()) batchNormEvalForward(y, e.runMean(), e.runVar(), e.gamma(), e.beta(), e.eps(), y);
        if (e.residual() != null) add(y, e.residual(), y);
        if (e.relu()) relu(y, y);
    }

    /** dx (n, cIn, h, w) = conv_transpose(dy, weight): overwritten. */
    void conv2dBackwardInput(Tensor dy, Tensor weight, ConvGeometry g, Tensor dx);

    /** dWeight (cOut, cIn/g, kH, kW) += correlation of x with dy: accumulates. */
    void conv2dBackwardWeight(Tensor dy, Tensor x, ConvGeometry g, Tensor dWeight);

    // ------------------------------------------------------------------ batch normalization

    /**
     * Training-mode batch norm over (n, h, w) per channel:
     * mean = E[x], var = E[(x-mean)^2] (biased), y = (x - mean) / sqrt(var + eps) * gamma + beta.
     * Writes batchMean (c), batchVar (c, biased) and batchInvStd (c) = 1/sqrt(var + eps) for backward.
     * gamma and beta are null when the layer is not affine.
     */
    void batchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y,
                               Tensor batchMean, Tensor batchVar, Tensor batchInvStd);

    /**
     * {@link #batchNormTrainForward}, then y = relu?(y + residual) (residual nullable, of y's shape): a training-mode
     * batch norm with the residual sum and the ReLU after it, same bits as the three one after another (which is
     * what this default does); a backend that applies them in its last pass over y saves two passes over memory.
     */
    default void batchNormTrainForwardFused(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor batchMean,
                                            Tensor batchVar, Tensor batchInvStd, Tensor residual, boolean relu) {
        batchNormTrainForward(x, gamma, beta, eps, y, batchMean, batchVar, batchInvStd);
        if (residual != null) add(y, residual, y);
        if (relu) relu(y, y);
    }

    /** Eval-mode batch norm with running statistics: y = (x - runMean) / sqrt(runVar + eps) * gamma + beta. y may alias x. */
    void batchNormEvalForward(Tensor x, Tensor runMean, Tensor runVar, Tensor gamma, Tensor beta, double eps, Tensor y);

    /**
     * Backward of the training-mode forward, with m = n*h*w and xhat = (x - mean) * invStd:
     * dbeta += sum(dy); dgamma += sum(dy * xhat);
     * dx = gamma * invStd / m * (m*dy - sum(dy) - xhat * sum(dy * xhat)).
     * dx is overwritten; dGamma/dBeta accumulate and are null when the layer is not affine
     * (gamma null means gamma = 1).
     */
    void batchNormTrainBackward(Tensor dy, Tensor x, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                Tensor dx, Tensor dGamma, Tensor dBeta);

    /**
     * Backward of the eval-mode forward (statistics are constants): dx = dy * gamma / sqrt(runVar + eps),
     * dgamma += sum(dy * xhat), dbeta += sum(dy).
     */
    void batchNormEvalBackward(Tensor dy, Tensor x, Tensor runMean, Tensor runVar, Tensor gamma, double eps,
                               Tensor dx, Tensor dGamma, Tensor dBeta);

    // ------------------------------------------------------------------ pooling

    /** Max over each window; padding counts as -infinity; the first maximum in scan order wins (PyTorch). */
    void maxPool2dForward(Tensor x, PoolGeometry g, Tensor y);

    /** dx overwritten: each dy goes to the argmax of its window in x (recomputed with the forward's rule). */
    void maxPool2dBackward(Tensor dy, Tensor x, PoolGeometry g, Tensor dx);

    /** Average over each window with PyTorch's divisor rules (see {@link PoolGeometry}). */
    void avgPool2dForward(Tensor x, PoolGeometry g, Tensor y);

    /** dx overwritten. */
    void avgPool2dBackward(Tensor dy, PoolGeometry g, Tensor dx);

    /**
     * AdaptiveAvgPool2d: output cell (i, j) averages rows [floor(i*h/oh), ceil((i+1)*h/oh)) and the
     * same rule for columns. x (n, c, h, w), y (n, c, oh, ow).
     */
    void adaptiveAvgPool2dForward(Tensor x, Tensor y);

    /** dx (n, c, h, w) overwritten, dy (n, c, oh, ow). */
    void adaptiveAvgPool2dBackward(Tensor dy, Tensor dx);

    // ------------------------------------------------------------------ channel moves (shortcut option A)

    /** y (n, cBefore + c + cAfter, h, w) = x (n, c, h, w) with zero channels before and after. */
    void padChannels(Tensor x, int before, int after, Tensor y);

    /** dx (n, c, h, w) = dy[:, start:start+c] (overwritten). */
    void sliceChannels(Tensor dy, int start, Tensor dx);

    // ------------------------------------------------------------------ loss

    /**
     * Softmax cross-entropy, mean over the batch, with optional label smoothing (PyTorch's rule:
     * target = (1-s) * onehot + s/k). logits (n, k); labels (n) hold class indices as exact values.
     * Writes the softmax probabilities into probs (n, k) and returns the mean loss.
     */
    double crossEntropyForward(Tensor logits, Tensor labels, double labelSmoothing, Tensor probs);

    /** dlogits (n, k) = gradScale * (probs - target), target as in the forward. Overwritten. */
    void crossEntropyBackward(Tensor probs, Tensor labels, double labelSmoothing, double gradScale, Tensor dlogits);

    /** probs (n, k) = softmax of each row of logits. */
    void softmax(Tensor logits, Tensor probs);

    // ------------------------------------------------------------------ randomness on the device

    /**
     * mask[i] = (u(seed, i) &lt; keepProb) ? 1/keepProb : 0, where u is the counter-based uniform
     * {@link Rng#uniformAt(long, long)}: the same seed gives the same mask on every backend.
     */
    void dropoutMask(Tensor mask, double keepProb, long seed);

    // ------------------------------------------------------------------ optimizer updates (PyTorch's rules)

    /**
     * SGD, torch.optim.SGD: g = grad + wd*param; if momentum != 0: buf = g on the first step, else
     * buf = momentum*buf + (1-dampening)*g; g = nesterov ? g + momentum*buf : buf; param -= lr*g.
     * momentumBuffer is null when momentum == 0.
     */
    void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuffer, double lr, double momentum,
                   double dampening, boolean nesterov, double weightDecay, boolean firstStep);

    /**
     * Adam / AdamW, torch.optim semantics (amsgrad off). AdamW (decoupled): param *= 1 - lr*wd first;
     * Adam: grad += wd*param. Then m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
     * param -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). step t starts at 1.
     */
    void adamUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1,
                    double beta2, double eps, double weightDecay, boolean decoupledWeightDecay, long step);
}
