package org.resnet4j.ops.nn;

import org.resnet4j.core.Backend;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.init.Init;

/**
 * torch.nn.Conv2d: y = conv(x, weight) + bias, with stride, padding, dilation and groups.
 * weight: (out, in/groups, kH, kW); bias: (out) or absent.
 */
public final class Conv2d extends Module {
    private final int inChannels, outChannels, groups;
    private final int kH, kW, strideH, strideW, padH, padW, dilationH, dilationW;
    private final Parameter weight;
    private final Parameter bias;

    private Tensor x;          // saved input, (N, in, H, W)
    private ConvGeometry geom; // geometry of the saved input

    public Conv2d(int in, int out, int kernelSize, int stride, int padding, int dilation, int groups, boolean bias) {
        this(in, out, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {dilation}, groups, bias);
    }

    public Conv2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias) {
        int[] k = Checks.pairArg("Conv2d", "kernel_size", kernel), s = Checks.pairArg("Conv2d", "stride", stride);
        int[] p = Checks.pairArg("Conv2d", "padding", padding), d = Checks.pairArg("Conv2d", "dilation", dilation);
        if (in < 1 || out < 1) throw new IllegalArgumentException("Conv2d needs in_channels and out_channels >= 1, got " + in + " and " + out);
        if (k[0] < 1 || k[1] < 1 || s[0] < 1 || s[1] < 1 || d[0] < 1 || d[1] < 1 || p[0] < 0 || p[1] < 0) {
            throw new IllegalArgumentException("Conv2d needs kernel_size, stride and dilation >= 1 and padding >= 0, got kernel_size="
                    + Checks.pair(k[0], k[1]) + ", stride=" + Checks.pair(s[0], s[1]) + ", padding=" + Checks.pair(p[0], p[1])
                    + ", dilation=" + Checks.pair(d[0], d[1]));
        }
        if (groups < 1 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("Conv2d: groups=" + groups + " must divide in_channels=" + in + " and out_channels=" + out);
        }
        this.inChannels = in;
        this.outChannels = out;
        this.groups = groups;
        this.kH = k[0];
        this.kW = k[1];
        this.strideH = s[0];
        this.strideW = s[1];
        this.padH = p[0];
        this.padW = p[1];
        this.dilationH = d[0];
        this.dilationW = d[1];
        Backend cpu = CpuBackend.get();
        this.weight = registerParameter("weight", new Parameter(cpu.zeros(out, in / groups, kH, kW)));
        this.bias = bias ? registerParameter("bias", new Parameter(cpu.zeros(out))) : null;
        Init.pytorchDefault(this.weight, this.bias);
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when built with bias=false. */
    public Parameter bias() {
        return bias;
    }

    public int inChannels() {
        return inChannels;
    }

    public int outChannels() {
        return outChannels;
    }

    /** The geometry of this convolution applied to an input of shape (N, in, H, W). */
    public ConvGeometry geometryFor(int[] inputShape) {
        if (inputShape.length != 4 || inputShape[1] != inChannels) {
            throw new IllegalArgumentException(describe() + " expected input of shape (N, " + inChannels + ", H, W) but got "
                    + Shape.str(inputShape) + (inputShape.length == 4 ? " (" + inputShape[1] + " channels instead of " + inChannels + ")" : ""));
        }
        try {
            return new ConvGeometry(inputShape[0], inChannels, inputShape[2], inputShape[3], outChannels, kH, kW,
                    strideH, strideW, padH, padW, dilationH, dilationW, groups);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(describe() + " cannot take input " + Shape.str(inputShape) + ": " + e.getMessage(), e);
        }
    }

    // y (N, out, OH, OW) = sum over c in the group, (i, j) of x[n, c, oh*s - p + i*d, ow*s - p + j*d] * w[o, c, i, j] + b[o]
    @Override
    protected Tensor forwardImpl(Tensor x) {
        ConvGeometry g = geometryFor(x.shape());
        Checks.sameBackend(describe(), x, weight);
        Tensor y = x.backend().empty(g.outputShape());                         // y: (N, out, OH, OW), overwritten
        x.backend().conv2dForward(x, weight.data(), bias == null ? null : bias.data(), g, y);
        this.x = x;
        this.geom = g;
        return y;
    }

    /**
     * Under {@link org.resnet4j.ops.InferenceMode}: this convolution with {@code bn} (eval mode), then the residual sum
     * and the ReLU, finished as the convolution stores its output. Keeps nothing for backward. See {@link Fusion}.
     */
    Tensor forwardFused(Tensor x, BatchNorm2d bn, Tensor residual, boolean relu) {
        ConvGeometry g = geometryFor(x.shape());
        Checks.sameBackend(describe(), x, weight);
        Tensor y = x.backend().empty(g.outputShape());                         // y: (N, out, OH, OW), overwritten
        if (residual != null) ResidualSum.checkBranches(y, residual);
        x.backend().conv2dForwardFused(x, weight.data(), bias == null ? null : bias.data(), g, bn.evalEpilogue(y, residual, relu), y);
        return y;
    }

    // dx = conv_transpose(dy, w); dw += x (correlated with) dy; db += sum over (N, OH, OW) of dy
    @Override
    protected Tensor backwardImpl(Tensor dy) {
        Checks.forwardDone(describe(), x);
        Checks.gradShape(describe(), dy, geom.outputShape());
        Backend be = dy.backend();
        if (weight.requiresGrad()) be.conv2dBackwardWeight(dy, x, geom, weight.grad()); // dw: (out, in/groups, kH, kW)
        if (bias != null && bias.requiresGrad()) be.sumPerChannelAccumulate(dy, bias.grad()); // db: (out)
        if (inputGradientSkipped()) return null;                              // the model's input: nothing reads dx
        Tensor dx = be.empty(geom.inputShape());                               // dx: (N, in, H, W), overwritten
        be.conv2dBackwardInput(dy, weight.data(), geom, dx);
        return dx;
    }

    @Override
    protected boolean readsInput(Tensor modelInput) {
        return x != null && x == modelInput;
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("Conv2d(").append(inChannels).append(", ").append(outChannels)
                .append(", kernel_size=").append(Checks.pair(kH, kW));
        if (strideH != 1 || strideW != 1) sb.append(", stride=").append(Checks.pair(strideH, strideW));
        if (padH != 0 || padW != 0) sb.append(", padding=").append(Checks.pair(padH, padW));
        if (dilationH != 1 || dilationW != 1) sb.append(", dilation=").append(Checks.pair(dilationH, dilationW));
        if (groups != 1) sb.append(", groups=").append(groups);
        if (bias == null) sb.append(", bias=False");
        return sb.append(')').toString();
    }
}
