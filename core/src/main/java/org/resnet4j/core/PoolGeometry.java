package org.resnet4j.core;

/**
 * A 2-D pooling window with PyTorch's semantics (MaxPool2d / AvgPool2d).
 *
 * <p>Output size: {@code out = floor_or_ceil((in + 2*pad - dilation*(k-1) - 1) / stride) + 1}; with
 * {@code ceilMode} a last window that would start inside the right padding is dropped, as PyTorch does.
 *
 * <p>Average pooling divisor, as PyTorch: the window clipped to {@code [-pad, in+pad)} when
 * {@code countIncludePad}, else the window clipped to the input; {@code divisorOverride > 0} replaces both.
 * Dilation applies to max pooling only (must be 1 for average pooling).
 */
public record PoolGeometry(int n, int c, int h, int w, int kH, int kW, int strideH, int strideW,
                           int padH, int padW, int dilationH, int dilationW, boolean ceilMode,
                           boolean countIncludePad, int divisorOverride) {

    public PoolGeometry {
        if (n < 1 || c < 1 || h < 1 || w < 1 || kH < 1 || kW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1) {
            throw new IllegalArgumentException("pooling sizes must be positive: input (" + n + ", " + c + ", " + h + ", " + w
                    + "), kernel " + kH + "x" + kW + ", stride " + strideH + "x" + strideW);
        }
        if (padH < 0 || padW < 0 || 2 * padH > kH || 2 * padW > kW) {
            throw new IllegalArgumentException("pool padding (" + padH + ", " + padW + ") must be between 0 and half the kernel "
                    + kH + "x" + kW + " (PyTorch's rule)");
        }
        int oh = outSize(h, kH, strideH, padH, dilationH, ceilMode);
        int ow = outSize(w, kW, strideW, padW, dilationW, ceilMode);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("input " + h + "x" + w + " is too small for pooling kernel " + kH + "x" + kW
                    + " with padding (" + padH + ", " + padW + "): output would be " + oh + "x" + ow);
        }
    }

    public static PoolGeometry max(int n, int c, int h, int w, int k, int stride, int pad, boolean ceilMode) {
        return new PoolGeometry(n, c, h, w, k, k, stride, stride, pad, pad, 1, 1, ceilMode, true, 0);
    }

    public static PoolGeometry avg(int n, int c, int h, int w, int k, int stride, int pad, boolean ceilMode, boolean countIncludePad) {
        return new PoolGeometry(n, c, h, w, k, k, stride, stride, pad, pad, 1, 1, ceilMode, countIncludePad, 0);
    }

    static int outSize(int in, int k, int stride, int pad, int dilation, boolean ceil) {
        int span = in + 2 * pad - dilation * (k - 1) - 1;
        if (span < 0) return 0;
        int out = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        if (ceil && (out - 1) * stride >= in + pad) out--;
        return out;
    }

    public int outH() {
        return outSize(h, kH, strideH, padH, dilationH, ceilMode);
    }

    public int outW() {
        return outSize(w, kW, strideW, padW, dilationW, ceilMode);
    }

    public int[] inputShape() {
        return new int[] {n, c, h, w};
    }

    public int[] outputShape() {
        return new int[] {n, c, outH(), outW()};
    }
}
