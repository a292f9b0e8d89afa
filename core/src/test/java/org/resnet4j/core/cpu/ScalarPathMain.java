package org.resnet4j.core.cpu;

import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Tensor;

/**
 * Run by {@link ScalarFallbackTest} in a child JVM started without {@code --add-modules
 * jdk.incubator.vector}: prints which kernels run, then a GEMM, a convolution and a convolution's input and
 * weight gradients, one float per line, for the parent to check against its float64 references.
 */
public final class ScalarPathMain {
    static final int M = 13, N = 21, K = 37;
    static final ConvGeometry CONV = new ConvGeometry(2, 3, 9, 8, 4, 3, 3, 2, 1, 1, 1, 1, 1, 1);
    /** Gradients through the scalar kernels: the flipped-kernel forward (dx) and the channels-last product (dW). */
    static final ConvGeometry GRAD = new ConvGeometry(2, 16, 6, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1);

    private ScalarPathMain() {}

    public static void main(String[] args) {
        CpuBackend cpu = CpuBackend.get();
        System.out.println("kernels=" + CpuBackend.kernelsDescription());
        float[] a = Ref.random(31, M * K), b = Ref.random(32, K * N);
        Tensor c = cpu.zeros(M, N);
        cpu.gemm(false, false, M, N, K, 1.0, cpu.fromFloats(a, M, K), 0, K, cpu.fromFloats(b, K, N), 0, N, 0.0, c, 0, N);
        for (float v : c.toFloats()) System.out.println("gemm " + v);
        ConvGeometry g = CONV;
        float[] x = Ref.random(33, g.n() * g.cIn() * g.h() * g.w());
        float[] w = Ref.random(34, g.cOut() * g.cInPerGroup() * g.kH() * g.kW());
        Tensor y = cpu.zeros(g.outputShape());
        cpu.conv2dForward(cpu.fromFloats(x, g.inputShape()), cpu.fromFloats(w, g.weightShape()), null, g, y);
        for (float v : y.toFloats()) System.out.println("conv " + v);
        ConvGeometry gg = GRAD;
        float[] gx = Ref.random(35, gg.n() * gg.cIn() * gg.h() * gg.w());
        float[] gw = Ref.random(36, gg.cOut() * gg.cInPerGroup() * gg.kH() * gg.kW());
        float[] gdy = Ref.random(37, gg.n() * gg.cOut() * gg.outH() * gg.outW());
        Tensor dx = cpu.zeros(gg.inputShape()), dw = cpu.zeros(gg.weightShape());
        cpu.conv2dBackwardInput(cpu.fromFloats(gdy, gg.outputShape()), cpu.fromFloats(gw, gg.weightShape()), gg, dx);
        cpu.conv2dBackwardWeight(cpu.fromFloats(gdy, gg.outputShape()), cpu.fromFloats(gx, gg.inputShape()), gg, dw);
        for (float v : dx.toFloats()) System.out.println("dx " + v);
        for (float v : dw.toFloats()) System.out.println("dw " + v);
    }
}
