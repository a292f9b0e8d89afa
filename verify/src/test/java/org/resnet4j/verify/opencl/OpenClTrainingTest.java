package org.resnet4j.verify.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.InferenceMode;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.AdaptiveAvgPool2d;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.nn.Flatten;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.nn.MaxPool2d;
import org.resnet4j.ops.nn.ReLU;
import org.resnet4j.ops.nn.ResidualSum;
import org.resnet4j.ops.optim.Optimizer;
import org.resnet4j.ops.optim.SGD;
import org.resnet4j.opencl.OpenClBackend;
import org.resnet4j.opencl.OpenClTestSupport;
import org.resnet4j.opencl.TransferStats;

/** Whole training steps on the OpenCL device: what crosses the bus, and agreement with the CPU run. */
class OpenClTrainingTest {

    /** conv-bn-relu, then x + conv-bn(relu(conv-bn(x))), as in a BasicBlock without downsampling. */
    static final class TinyBlock extends Module {
        private final Conv2d conv1, conv2;
        private final BatchNorm2d bn1, bn2;
        private final ReLU relu1 = new ReLU(), relu2 = new ReLU();
        private final ResidualSum sum = new ResidualSum();

        TinyBlock(int c) {
            conv1 = registerModule("conv1", new Conv2d(c, c, 3, 1, 1, 1, 1, false));
            bn1 = registerModule("bn1", new BatchNorm2d(c));
            conv2 = registerModule("conv2", new Conv2d(c, c, 3, 1, 1, 1, 1, false));
            bn2 = registerModule("bn2", new BatchNorm2d(c));
            registerModule("relu1", relu1);
            registerModule("relu2", relu2);
        }

        @Override
        protected Tensor forwardImpl(Tensor x) {
            Tensor main = bn2.forward(conv2.forward(relu1.forward(bn1.forward(conv1.forward(x)))));
            return relu2.forward(sum.forward(main, x));
        }

        @Override
        protected Tensor backwardImpl(Tensor dy) {
            ResidualSum.BranchGrads g = sum.backward(relu2.backward(dy));
            Tensor dMain = conv1.backward(bn1.backward(relu1.backward(conv2.backward(bn2.backward(g.main())))));
            Backend b = dMain.backend();
            Tensor dx = b.zeros(dMain.shape());
            b.add(dMain, g.shortcut(), dx); // the two paths' gradients meet here
            return dx;
        }
    }

    static Module tinyResNet() {
        RandomState.manualSeed(1234);
        return new Sequential(new Conv2d(3, 8, 3, 1, 1, 1, 1, false), new BatchNorm2d(8), new ReLU(),
                new MaxPool2d(2, 2, 0), new TinyBlock(8), new AdaptiveAvgPool2d(1, 1), new Flatten(), new Linear(8, 10, true));
    }

    record Batch(float[] x, float[] labels, int[] shape) {}

    static List<Batch> batches(int steps, int n, int c, int hw) {
        Rng rng = new Rng(99);
        List<Batch> out = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            float[] x = new float[n * c * hw * hw];
            for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
            float[] y = new float[n];
            for (int i = 0; i < n; i++) y[i] = rng.nextInt(10);
            out.add(new Batch(x, y, new int[] {n, c, hw, hw}));
        }
        return out;
    }

    /** One SGD step; returns the loss. */
    static double step(Module model, Optimizer opt, CrossEntropyLoss loss, Backend b, Batch batch) {
        Tensor x = b.fromFloats(batch.x(), batch.shape());
        Tensor y = b.fromFloats(batch.labels(), batch.labels().length);
        opt.zeroGrad();
        double l = loss.forward(model.forward(x), y);
        model.backward(loss.backward());
        opt.step();
        return l;
    }

    static double[] train(Supplier<Module> factory, Backend b, List<Batch> data, double lr) {
        Module model = factory.get().to(b);
        model.train();
        Optimizer opt = new SGD(model.namedParameters(), lr, 0.9, 0, 5e-4, false);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        double[] losses = new double[data.size()];
        for (int i = 0; i < data.size(); i++) losses[i] = step(model, opt, loss, b, data.get(i));
        return losses;
    }

    @Test
    void aTrainingStepMovesOnlyTheBatchTheLabelsAndTheLoss() {
        OpenClBackend cl = OpenClTestSupport.backendOrSkip();
        Module model = tinyResNet().to(cl);
        model.train();
        Optimizer opt = new SGD(model.namedParameters(), 0.1, 0.9, 0, 5e-4, false);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        List<Batch> data = batches(3, 4, 3, 8);
        step(model, opt, loss, cl, data.get(0)); // first step creates the momentum buffers (on the device)
        for (int s = 1; s < 3; s++) {
            cl.resetTransfers();
            step(model, opt, loss, cl, data.get(s));
            TransferStats t = cl.transfers();
            long xBytes = 4L * data.get(s).x().length, yBytes = 4L * data.get(s).labels().length;
            assertThat(t.hostToDeviceCount()).as("uploads: " + t).isEqualTo(2);
            assertThat(t.hostToDeviceBytes()).as("uploads: " + t).isEqualTo(xBytes + yBytes);
            // down: the scalar loss, plus the labels that CrossEntropyLoss reads back to validate them
            assertThat(t.deviceToHostBytes()).as("downloads: " + t).isBetween(4L, 4L + yBytes);
            assertThat(t.deviceToHostCount()).as("downloads: " + t).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void fiveStepsOfATinyResNetMatchTheCpuRun() {
        OpenClBackend cl = OpenClTestSupport.backendOrSkip();
        List<Batch> data = batches(5, 4, 3, 8);
        double[] cpu = train(OpenClTrainingTest::tinyResNet, CpuBackend.get(), data, 0.1);
        double[] gpu = train(OpenClTrainingTest::tinyResNet, cl, data, 0.1);
        for (int i = 0; i < cpu.length; i++) {
            assertThat(gpu[i]).as("loss of step %d (cpu %s, opencl %s)", i, cpu[i], gpu[i]).isCloseTo(cpu[i],
                    org.assertj.core.data.Offset.offset(1e-4));
        }
        assertThat(cpu[4]).isNotEqualTo(cpu[0]); // the model did train
    }

    static Module resnet20() {
        RandomState.manualSeed(20);
        return ModelZoo.create("resnet20");
    }

    /**
     * Five SGD steps of CIFAR ResNet-20 (batch 8, 32x32) from the same initial weights and batches: the
     * losses agree within 1e-4. Both runs are float32 with different summation orders, and training
     * feeds each step's rounding into the next; 1e-4 on a loss of ~2.3 is a few hundred float32 ulp
     * (measured on PoCL: about 1e-7). lr is 0.01: at 0.1 on these random batches the loss explodes
     * (2.2 to 8.5 in four steps), a chaotic regime that multiplies any reordering of float32 sums by
     * hundreds per step and so says nothing about the kernels.
     */
    @Test
    void fiveStepsOfResNet20MatchTheCpuRun() {
        OpenClBackend cl = OpenClTestSupport.backendOrSkip();
        List<Batch> data = batches(5, 8, 3, 32);
        double[] cpu = train(OpenClTrainingTest::resnet20, CpuBackend.get(), data, 0.01);
        double[] gpu = train(OpenClTrainingTest::resnet20, cl, data, 0.01);
        System.out.printf("resnet20 losses cpu %s%n             opencl %s%n", java.util.Arrays.toString(cpu), java.util.Arrays.toString(gpu));
        for (int i = 0; i < cpu.length; i++) {
            assertThat(gpu[i]).as("loss of step %d (cpu %s, opencl %s)", i, cpu[i], gpu[i]).isCloseTo(cpu[i],
                    org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    /**
     * InferenceMode on the device (the backend's conv2dForwardFused: the convolution, then the eval batch norm with the
     * sum and ReLU folded into its kernels): the logits of the layers one by one, and the CPU's to float32 rounding.
     */
    @Test
    void inferenceModeGivesTheLogitsOfTheLayersOneByOne() {
        OpenClBackend cl = OpenClTestSupport.backendOrSkip();
        Batch batch = batches(1, 4, 3, 32).get(0);
        Module onDevice = resnet20().to(cl), onCpu = resnet20();
        // statistics away from (0, 1): one training forward moves them
        onDevice.train().forward(cl.fromFloats(batch.x(), batch.shape()));
        onCpu.train().forward(CpuBackend.get().fromFloats(batch.x(), batch.shape()));
        onDevice.eval();
        onCpu.eval();
        Tensor x = cl.fromFloats(batch.x(), batch.shape());
        float[] layerByLayer = onDevice.forward(x).toFloats();
        float[] fused, cpu;
        try (InferenceMode mode = InferenceMode.enter()) {
            fused = onDevice.forward(x).toFloats();
            assertThat(mode.fusedConvolutions()).isEqualTo(19);
            cpu = onCpu.forward(CpuBackend.get().fromFloats(batch.x(), batch.shape())).toFloats();
        }
        assertThat(fused).isEqualTo(layerByLayer);
        for (int i = 0; i < cpu.length; i++) {
            assertThat(fused[i]).as("logit %d", i).isCloseTo(cpu[i], org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(cpu[i]))));
        }
    }
}
