package org.resnet4j.core;

/**
 * Everything a 2-D convolution kernel needs to know, with PyTorch's output-size rule:
 * {@code out = floor((in + 2*pad - dilation*(k-1) - 1) / stride) + 1}.
 *
 * <p>Tensors: x (n, cIn, h, w), weight (cOut, cIn/groups, kH, kW), bias (cOut), y (n, cOut, outH, outW).
 */
public record ConvGeometry(int n, int cIn, int h, int w, int cOut, int kH, int kW,
                           int strideH, int strideW, int padH, int padW, int dilationH, int dilationW,
                           int groups) {

    public ConvGeometry {
        if (n < 1 || cIn < 1 || h < 1 || w < 1 || cOut < 1 || kH < 1 || kW < 1) {
            throw new IllegalArgumentException("convolution sizes must be positive: " + describe(n, cIn, h, w, cOut, kH, kW));
        }
        if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("convolution needs stride >= 1, dilation >= 1 and padding >= 0, got stride ("
                    + strideH + ", " + strideW + "), dilation (" + dilationH + ", " + dilationW + "), padding (" + padH + ", " + padW + ")");
        }
        if (groups < 1 || cIn % groups != 0 || cOut % groups != 0) {
            throw new IllegalArgumentException("groups=" + groups + " must divide in_channels=" + cIn + " and out_channels=" + cOut);
        }
        int oh = (h + 2 * padH - dilationH * (kH - 1) - 1) / strideH + 1;
        int ow = (w + 2 * padW - dilationW * (kW - 1) - 1) / strideW + 1;
        if (h + 2 * padH - dilationH * (kH - 1) - 1 < 0 || w + 2 * padW - dilationW * (kW - 1) - 1 < 0 || oh < 1 || ow < 1) {
            throw new IllegalArgumentException("input " + h + "x" + w + " with padding (" + padH + ", " + padW
                    + ") is smaller than the dilated kernel " + (dilationH * (kH - 1) + 1) + "x" + (dilationW * (kW - 1) + 1));
        }
    }

    private static String describe(int n, int cIn, int h, int w, int cOut, int kH, int kW) {
        return "input (" + n + ", " + cIn + ", " + h + ", " + w + "), out_channels " + cOut + ", kernel " + kH + "x" + kW;
    }

    /** A square-kernel convolution with the same stride, padding and dilation in both directions. */
    public static ConvGeometry of(int n, int cIn, int h, int w, int cOut, int k, int stride, int pad, int dilation, int groups) {
        return new ConvGeometry(n, cIn, h, w, cOut, k, k, stride, stride, pad, pad, dilation, dilation, groups);
    }

    public int outH() {
        return (h + 2 * padH - dilationH * (kH - 1) - 1) / strideH + 1;
    }

    public int outW() {
        return (w + 2 * padW - dilationW * (kW - 1) - 1) / strideW + 1;
    }

    public int cInPerGroup() {
        return cIn / groups;
    }

    public int cOutPerGroup() {
        return cOut / groups;
    }

    public int[] inputShape() {
        return new int[] {n, cIn, h, w};
    }

    public int[] weightShape() {
        return new int[] {cOut, cIn / groups, kH, kW};
    }

    public int[] outputShape() {
        return new int[] {n, cOut, outH(), outW()};
    }

    /** True when the convolution is a plain matrix product per image (1x1 kernel, stride 1, no padding). */
    public boolean isPointwise() {
        return kH == 1 && kW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0;
    }

    /** Multiply-adds times two, the usual FLOP count of a forward pass. */
    public long flops() {
        return 2L * n * cOut * outH() * outW() * (long) cInPerGroup() * kH * kW;
    }
}
