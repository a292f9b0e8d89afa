package org.resnet4j.ops.nn;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;

/** Bad input gives an error that names the layer, what it expected and what it got. */
class BadInputTest {
    static final CpuBackend CPU = CpuBackend.get();

    @Test
    void convWrongChannelCount() {
        Conv2d conv = new Conv2d(3, 64, 7, 2, 3, 1, 1, false);
        assertThatThrownBy(() -> conv.forward(CPU.zeros(2, 4, 16, 16)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)")
                .hasMessageContaining("(N, 3, H, W)").hasMessageContaining("(2, 4, 16, 16)")
                .hasMessageContaining("4 channels instead of 3");
    }

    @Test
    void convWrongRankAndTooSmallInput() {
        Conv2d conv = new Conv2d(3, 8, 5, 1, 0, 1, 1, true);
        assertThatThrownBy(() -> conv.forward(CPU.zeros(3, 16, 16)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Conv2d(3, 8, kernel_size=5)")
                .hasMessageContaining("(N, 3, H, W)").hasMessageContaining("(3, 16, 16)");
        assertThatThrownBy(() -> conv.forward(CPU.zeros(1, 3, 3, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Conv2d(3, 8, kernel_size=5)")
                .hasMessageContaining("(1, 3, 3, 3)").hasMessageContaining("smaller than the dilated kernel");
    }

    @Test
    void badConstructorArguments() {
        assertThatThrownBy(() -> new Conv2d(6, 8, 3, 1, 1, 1, 4, false)).hasMessageContaining("groups=4");
        assertThatThrownBy(() -> new Conv2d(3, 8, 0, 1, 1, 1, 1, false)).hasMessageContaining("kernel_size");
        assertThatThrownBy(() -> new Dropout(1.5)).hasMessageContaining("1.5");
        assertThatThrownBy(() -> new CrossEntropyLoss(-0.1)).hasMessageContaining("label_smoothing");
        assertThatThrownBy(() -> new MaxPool2d(2, 2, 2)).hasMessageContaining("padding=2");
        assertThatThrownBy(() -> new BatchNorm2d(4, 1e-5, 1.5, true, true)).hasMessageContaining("momentum");
        assertThatThrownBy(() -> new Linear(0, 3, true)).hasMessageContaining("in_features");
    }

    @Test
    void batchNormWrongChannelCount() {
        assertThatThrownBy(() -> new BatchNorm2d(16).forward(CPU.zeros(2, 8, 4, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BatchNorm2d(16")
                .hasMessageContaining("(N, 16, H, W)").hasMessageContaining("(2, 8, 4, 4)");
    }

    @Test
    void linearWrongFeaturesOrRank() {
        Linear fc = new Linear(512, 10, true);
        assertThatThrownBy(() -> fc.forward(CPU.zeros(2, 256)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Linear(in_features=512, out_features=10, bias=True)")
                .hasMessageContaining("(N, 512)").hasMessageContaining("(2, 256)");
        assertThatThrownBy(() -> fc.forward(CPU.zeros(2, 512, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Flatten()");
    }

    @Test
    void poolsNeedRank4() {
        for (Module m : new Module[] {new MaxPool2d(2), new AvgPool2d(2), new AdaptiveAvgPool2d(1)}) {
            assertThatThrownBy(() -> m.forward(CPU.zeros(3, 8, 8)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(m.describe())
                    .hasMessageContaining("(N, C, H, W)").hasMessageContaining("(3, 8, 8)");
        }
        assertThatThrownBy(() -> new MaxPool2d(3, 2, 0).forward(CPU.zeros(1, 1, 2, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MaxPool2d(kernel_size=3").hasMessageContaining("(1, 1, 2, 2)");
        assertThatThrownBy(() -> new Flatten().forward(CPU.zeros(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Flatten").hasMessageContaining("(5,)");
    }

    @Test
    void residualSumShapesMustMatch() {
        assertThatThrownBy(() -> new ResidualSum().forward(CPU.zeros(2, 64, 8, 8), CPU.zeros(2, 32, 8, 8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ResidualSum")
                .hasMessageContaining("(2, 64, 8, 8)").hasMessageContaining("(2, 32, 8, 8)").hasMessageContaining("downsample");
    }

    @Test
    void crossEntropyLabels() {
        CrossEntropyLoss ce = new CrossEntropyLoss();
        Tensor logits = CPU.zeros(2, 3);
        assertThatThrownBy(() -> ce.forward(logits, CPU.fromFloats(new float[] {0, 3}, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 3.0 at index 1")
                .hasMessageContaining("[0, 3)");
        assertThatThrownBy(() -> ce.forward(logits, CPU.fromFloats(new float[] {0.5f, 1}, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 0.5 at index 0");
        assertThatThrownBy(() -> ce.forward(logits, CPU.zeros(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(2,)").hasMessageContaining("(3,)");
        assertThatThrownBy(() -> ce.forward(CPU.zeros(2, 3, 1), CPU.zeros(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(N, K)");
    }

    @Test
    void backwardBeforeForward() {
        Module[] modules = {new Conv2d(1, 1, 1, 1, 0, 1, 1, true), new BatchNorm2d(1), new ReLU(), new MaxPool2d(2),
                new AvgPool2d(2), new AdaptiveAvgPool2d(1), new Linear(1, 1, true), new Flatten(), new Dropout(0.5)};
        for (Module m : modules) {
            assertThatThrownBy(() -> m.backward(CPU.zeros(1, 1, 1, 1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining(m.describe())
                    .hasMessageContaining("backward called before forward");
        }
        assertThatThrownBy(() -> new ResidualSum().backward(CPU.zeros(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ResidualSum");
        assertThatThrownBy(() -> new CrossEntropyLoss().backward())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("CrossEntropyLoss");
        assertThatThrownBy(() -> new CrossEntropyLoss().probabilities())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("probabilities() called before forward");
    }

    @Test
    void gradientOfTheWrongShape() {
        Conv2d conv = new Conv2d(2, 3, 3, 1, 1, 1, 1, false);
        conv.forward(CPU.zeros(1, 2, 4, 4));
        assertThatThrownBy(() -> conv.backward(CPU.zeros(1, 3, 5, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Conv2d(2, 3")
                .hasMessageContaining("(1, 3, 4, 4)").hasMessageContaining("(1, 3, 5, 4)");
    }

    @Test
    void inputOnAnotherBackendSaysToMoveTheModule() {
        Backend fake = FakeBackend.create("fake-gpu");
        for (Module m : new Module[] {new Conv2d(2, 3, 3, 1, 1, 1, 1, false), new BatchNorm2d(2)}) {
            assertThatThrownBy(() -> m.forward(fake.zeros(1, 2, 4, 4)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(m.describe())
                    .hasMessageContaining("fake-gpu").hasMessageContaining("'cpu'").hasMessageContaining("module.to(backend)");
        }
        assertThatThrownBy(() -> new Linear(4, 2, true).forward(fake.zeros(1, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("module.to(backend)");
        assertThatThrownBy(() -> new CrossEntropyLoss().forward(CPU.zeros(1, 2), fake.zeros(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("labels").hasMessageContaining("fake-gpu");
    }
}
