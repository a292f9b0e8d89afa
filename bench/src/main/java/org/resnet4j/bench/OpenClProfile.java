package org.resnet4j.bench;

import java.util.List;
import java.util.Locale;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.SGD;
import org.resnet4j.opencl.KernelProfiler;
import org.resnet4j.opencl.OpenClBackend;

/**
 * Where an OpenCL device spends a model's inference and training step: device time per kernel,
 * next to the wall-clock time of the step (the difference is the host's share: launches, waits,
 * transfers). Arguments: DEVICE MODEL_BATCH STEPS, e.g. {@code opencl resnet20_128 10}.
 */
public final class OpenClProfile {
    private OpenClProfile() {}

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: OpenClProfile DEVICE MODEL_BATCH STEPS   e.g. OpenClProfile opencl resnet20_128 10");
            System.exit(2);
        }
        System.setProperty("resnet4j.opencl.profile", "true");
        OpenClBackend cl = OpenClBackend.select(args[0]);
        int cut = args[1].lastIndexOf('_'), batch = Integer.parseInt(args[1].substring(cut + 1)), steps = Integer.parseInt(args[2]);
        String name = args[1].substring(0, cut);
        int[] chw = ModelZoo.inputShape(name, null);
        Module net = ModelZoo.create(name).to(cl);
        SGD sgd = new SGD(net.namedParameters(), 0.01, 0.9, 0, 5e-4, false);
        Tensor x = cl.fromFloats(GemmBench.random(1, batch * chw[0] * chw[1] * chw[2]), batch, chw[0], chw[1], chw[2]);
        float[] y = new float[batch];
        for (int i = 0; i < batch; i++) y[i] = i % 10;
        Tensor labels = cl.fromFloats(y, batch);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        System.out.printf(Locale.ROOT, "%s, %s batch %d, %d steps each%n", cl.name(), name, batch, steps);
        for (String phase : new String[] {"inference", "train step"}) {
            Runnable step = phase.equals("inference") ? () -> {
                net.eval();
                cl.toFloats(net.forward(x));
            } : () -> {
                net.train();
                sgd.zeroGrad();
                loss.forward(net.forward(x), labels);
                net.backwardParameters(loss.backward());
                sgd.step();
            };
            for (int i = 0; i < 3; i++) step.run();
            cl.finish();
            cl.resetKernelProfile();
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) step.run();
            cl.finish();
            double wallMs = (System.nanoTime() - t0) * 1e-6 / steps;
            List<KernelProfiler.Entry> kernels = cl.kernelProfile();
            double deviceMs = kernels.stream().mapToLong(KernelProfiler.Entry::nanos).sum() * 1e-6 / steps;
            System.out.printf(Locale.ROOT, "%n%s: %.2f ms per step wall clock (%.0f img/s while profiled), %.2f ms in kernels%n",
                    phase, wallMs, batch / wallMs * 1e3, deviceMs);
            System.out.printf(Locale.ROOT, "  %-28s %8s %10s %7s %10s%n", "kernel", "calls", "ms/step", "share", "us/call");
            for (KernelProfiler.Entry e : kernels) {
                double ms = e.nanos() * 1e-6 / steps;
                System.out.printf(Locale.ROOT, "  %-28s %8d %10.3f %6.1f%% %10.1f%n", e.kernel(), e.calls() / steps, ms,
                        100 * ms / deviceMs, e.nanos() * 1e-3 / e.calls());
            }
        }
    }
}
