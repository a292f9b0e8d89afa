package org.resnet4j.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;

/**
 * InferenceMode: each convolution of a zoo ResNet runs with its batch norm, residual sum and ReLU as one, to the
 * bit the logits of the layers one by one; layers with hooks and training-mode batch norms are left apart; a
 * backward after it is an error naming it; scopes nest per thread.
 */
class InferenceModeTest {
    static final CpuBackend CPU = CpuBackend.get();

    /** A model in eval mode whose batch norms have statistics and affine parameters far from the defaults. */
    static Module evalModel(String name) {
        RandomState.manualSeed(3);
        Module net = ModelZoo.create(name);
        Rng r = new Rng(17);
        for (Module m : net.namedModules().values()) {
            if (!(m instanceof BatchNorm2d bn)) continue;
            int c = bn.numFeatures();
            float[] mean = new float[c], var = new float[c], gamma = new float[c], beta = new float[c];
            for (int i = 0; i < c; i++) {
                mean[i] = (float) (0.3 * r.nextGaussian());
                var[i] = (float) (0.5 + r.nextDouble());
                gamma[i] = (float) (0.8 + 0.4 * r.nextGaussian());
                beta[i] = (float) (0.2 * r.nextGaussian());
            }
            bn.runningMean().setData(CPU.fromFloats(mean, c));
            bn.runningVar().setData(CPU.fromFloats(var, c));
            bn.weight().setData(CPU.fromFloats(gamma, c));
            bn.bias().setData(CPU.fromFloats(beta, c));
        }
        net.eval();
        return net;
    }

    static Tensor input(String name, int side) {
        int[] chw = ModelZoo.inputShape(name, null);
        return TestTensors.gaussian(5, 2, chw[0], side, side);
    }

    static int convolutions(Module net) {
        return (int) net.namedModules().values().stream().filter(m -> m instanceof Conv2d).count();
    }

    @ParameterizedTest
    @CsvSource({"resnet20, 32, true", "resnet20-b, 16, true", "plain20, 16, true", "resnet18, 40, true", "resnet50, 48, true",
            "resnext50_32x4d, 32, true", "preact-resnet20, 16, false", "seed-mnist, 28, false"})
    void sameBitsAsTheLayersOneByOne(String name, int side, boolean allFused) {
        Module net = evalModel(name);
        Tensor x = input(name, side);
        float[] expected = net.forward(x).toFloats();
        float[] fused;
        int count;
        try (InferenceMode mode = InferenceMode.enter()) {
            fused = net.forward(x).toFloats();
            float[] again = net.forward(x).toFloats();                          // with the first pass's tensors recycled
            assertThat(again).isEqualTo(fused);
            count = mode.fusedConvolutions();
        }
        assertSameBits(fused, expected, name);
        // every convolution of a torchvision or CIFAR ResNet is followed by a batch norm; a pre-activation unit's is not
        if (allFused) assertThat(count).as(name + " convolutions fused in two passes").isEqualTo(2 * convolutions(net));
        else assertThat(count).as(name).isLessThan(2 * convolutions(net));
        assertThat(net.forward(x).toFloats()).as(name + " outside InferenceMode again").isEqualTo(expected);
    }

    /** Records every module a hook was called for. */
    static final class Seen implements ModuleHook {
        final List<String> paths = new ArrayList<>();

        @Override
        public boolean keepsTensors() {
            return false;
        }

        @Override
        public void afterForward(String path, Module module, Tensor output) {
            paths.add(path);
        }
    }

    @Test
    void aLayerWithAHookRunsOnItsOwn() {
        Module net = evalModel("resnet20");
        Tensor x = input("resnet20", 32);
        float[] expected = net.forward(x).toFloats();
        Seen seen = new Seen();
        net.namedModules().get("layer1.0.bn1").addHook(seen);
        try (InferenceMode mode = InferenceMode.enter()) {
            assertSameBits(net.forward(x).toFloats(), expected, "resnet20 with a hooked bn");
            // the hooked block runs its two convolutions apart: 19 - 2 fused
            assertThat(mode.fusedConvolutions()).isEqualTo(17);
        }
        assertThat(seen.paths).containsExactly("");                             // the hook saw its layer's own output
    }

    @Test
    void trainingModeBatchNormsAreNotFused() {
        Module a = evalModel("resnet20").train(), b = evalModel("resnet20").train();
        Tensor x = input("resnet20", 32);
        float[] expected = a.forward(x).toFloats();
        try (InferenceMode mode = InferenceMode.enter()) {
            assertSameBits(b.forward(x).toFloats(), expected, "training mode under InferenceMode");
            assertThat(mode.fusedConvolutions()).isZero();
        }
        for (var e : a.namedBuffers().entrySet()) {
            assertThat(b.namedBuffers().get(e.getKey()).data().toFloats()).as(e.getKey()).isEqualTo(e.getValue().data().toFloats());
        }
    }

    @Test
    void backwardAfterAnInferenceForwardIsAnError() {
        Module net = evalModel("resnet20");
        Tensor x = input("resnet20", 32);
        Tensor dy;
        try (InferenceMode ignored = InferenceMode.enter()) {
            dy = TestTensors.gaussian(8, net.forward(x).shape());
        }
        assertThatThrownBy(() -> net.backward(dy)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("InferenceMode").hasMessageContaining("run the forward outside");
        // a layer the fused pass stood in for says so too, instead of using what an earlier forward kept
        Module conv = net.namedModules().get("layer2.1.conv2");
        assertThatThrownBy(() -> conv.backward(TestTensors.gaussian(1, 2, 32, 8, 8))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Conv2d(32, 32").hasMessageContaining("InferenceMode");
        // a forward outside it makes backward work again
        net.forward(x);
        assertThat(net.backward(dy).shape()).containsExactly(x.shape());
    }

    @Test
    void scopesNestPerThreadAndCloseInnermostFirst() throws Exception {
        assertThat(InferenceMode.active()).isFalse();
        InferenceMode outer = InferenceMode.enter();
        InferenceMode inner = InferenceMode.enter();
        assertThat(CompletableFuture.supplyAsync(InferenceMode::active).get()).as("another thread").isFalse();
        assertThatThrownBy(outer::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("innermost");
        inner.close();
        inner.close();                                                         // a second close does nothing
        assertThat(InferenceMode.active()).isTrue();
        outer.close();
        assertThat(InferenceMode.active()).isFalse();
    }

    static void assertSameBits(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected the bits of " + expected[i]);
            }
        }
    }
}
