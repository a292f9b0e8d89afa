package org.resnet4j.core.cpu;

/**
 * A convolution's output finished where it is stored: per output channel c,
 * <pre>
 *   y = relu?( fma(y + bias[c], scale[c], shift[c]) + residual )
 * </pre>
 * each part optional (bias, scale/shift, residual null; relu false). The operations are those of
 * {@link Kernels#addScalar}, {@link Kernels#affine} (the eval batch norm), {@link Kernels#add} and
 * {@link Kernels#relu} in that order, so the result has their bits; applied to a tile of the output while it is
 * still in cache, instead of a pass over the whole tensor each.
 *
 * @param residual a tensor of y's layout, read at y's indices
 */
record OutputEpilogue(float[] bias, float[] scale, float[] shift, float[] residual, boolean relu) {

    OutputEpilogue {
        if ((scale == null) != (shift == null)) throw new IllegalArgumentException("OutputEpilogue needs both scale and shift, or neither");
    }

    /** The bias alone (a convolution with bias and nothing after it), or null without one. */
    static OutputEpilogue biasOnly(float[] bias) {
        return bias == null ? null : new OutputEpilogue(bias, null, null, null, false);
    }

    /** This epilogue with the convolution's bias added first (the im2col path adds it here; Winograd in its transform). */
    static OutputEpilogue withBias(OutputEpilogue e, float[] bias) {
        if (e == null) return biasOnly(bias);
        return bias == null ? e : new OutputEpilogue(bias, e.scale, e.shift, e.residual, e.relu);
    }

    /** Finishes y[from, to), all of output channel {@code channel}. */
    void apply(Kernels kr, int channel, float[] y, int from, int to) {
        kr.finishOutput(y, from, to, bias != null, bias == null ? 0f : bias[channel], scale != null,
                scale == null ? 1f : scale[channel], shift == null ? 0f : shift[channel], residual, relu);
    }
}
