package org.resnet4j.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.CifarResNet;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ResNet;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.nn.ReLU;
import org.resnet4j.ops.optim.SGD;

/**
 * Models release their intermediate tensors for reuse (see {@link Module}): that changes no bit of
 * training, never touches what the caller was handed, and a stale tensor fails instead of reading
 * recycled data.
 */
class MemoryReuseTest {
    static final CpuBackend CPU = CpuBackend.get();

    @AfterEach
    void restoreDefaults() {
        CPU.setRecycling(true);
        CPU.setNanFillEmpty(false);
    }

    static Module bottleneckNet() {
        RandomState.manualSeed(5);
        return new ResNet(ResNet.Block.BOTTLENECK, new int[] {1, 2, 1, 1}, ModelOptions.defaults().numClasses(5));
    }

    static Module basicNet() {
        RandomState.manualSeed(6);
        return new CifarResNet(8, CifarResNet.Shortcut.B, ModelOptions.defaults().numClasses(5));
    }

    static Tensor input(int n, int side) {
        float[] x = new float[n * 3 * side * side];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(0.013 * i) + 0.1f * (i % 7);
        return CPU.fromFloats(x, n, 3, side, side);
    }

    /** Everything three SGD steps produce: losses, logits, input gradients, parameter gradients, parameters. */
    static List<float[]> train(Supplier<Module> model, int side) {
        Module net = model.get();
        SGD sgd = new SGD(net.namedParameters(), 0.05, 0.9, 0, 5e-4, false);
        Tensor x = input(4, side), labels = CPU.fromFloats(new float[] {0, 3, 1, 4}, 4);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        List<float[]> out = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            sgd.zeroGrad();
            Tensor logits = net.forward(x);
            out.add(new float[] {(float) loss.forward(logits, labels)});
            out.add(logits.toFloats());
            out.add(net.backward(loss.backward()).toFloats());
            for (Parameter p : net.parameters()) out.add(p.grad().toFloats());
            sgd.step();
        }
        for (Parameter p : net.parameters()) out.add(p.data().toFloats());
        for (Buffer b : net.namedBuffers().values()) out.add(b.data().toFloats());
        return out;
    }

    static void assertBitIdentical(List<float[]> a, List<float[]> b) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            float[] x = a.get(i), y = b.get(i);
            assertThat(x.length).as("length of result %d", i).isEqualTo(y.length);
            for (int j = 0; j < x.length; j++) {
                if (Float.floatToRawIntBits(x[j]) != Float.floatToRawIntBits(y[j])) {
                    throw new AssertionError("result " + i + " differs first at [" + j + "]: " + x[j] + " vs " + y[j]);
                }
            }
        }
    }

    @Test
    void recyclingChangesNoBitOfTraining() {
        for (Supplier<Module> model : List.<Supplier<Module>>of(MemoryReuseTest::bottleneckNet, MemoryReuseTest::basicNet)) {
            CPU.setRecycling(false);
            List<float[]> fresh = train(model, 32);
            // recycled buffers, and every uninitialised one NaN: a kernel that read stale data or left
            // part of its output unwritten would change the results
            CPU.setRecycling(true);
            CPU.setNanFillEmpty(true);
            CPU.trimPool();
            List<float[]> recycled = train(model, 32);
            assertThat(CPU.pooledBytes()).as("the run did recycle").isPositive();
            assertBitIdentical(recycled, fresh);
        }
    }

    @Test
    void stepsAfterTheFirstTakeEverythingFromThePool() {
        Module net = basicNet();
        SGD sgd = new SGD(net.namedParameters(), 0.05, 0.9, 0, 0, false);
        Tensor x = input(4, 16), labels = CPU.fromFloats(new float[] {0, 3, 1, 4}, 4);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        long[] pooled = new long[4];
        for (int step = 0; step < 4; step++) {
            sgd.zeroGrad();
            loss.forward(net.forward(x), labels);
            net.backward(loss.backward());
            sgd.step();
            pooled[step] = CPU.pooledBytes();
        }
        // the same shapes in the same order each step: the pool neither grows nor runs dry
        assertThat(pooled[2]).isPositive().isEqualTo(pooled[1]).isEqualTo(pooled[3]);
    }

    @Test
    void theCallersTensorsSurviveBackwardAndTheNextStep() {
        Module net = bottleneckNet();
        Tensor x = input(4, 32);
        float[] xBefore = x.toFloats();
        CrossEntropyLoss loss = new CrossEntropyLoss();
        Tensor labels = CPU.fromFloats(new float[] {0, 3, 1, 4}, 4);
        Tensor logits = net.forward(x);
        float[] logitsBefore = logits.toFloats();
        loss.forward(logits, labels);
        Tensor dy = loss.backward();
        float[] dyBefore = dy.toFloats();
        Tensor dx = net.backward(dy);
        float[] dxBefore = dx.toFloats();
        // another step reuses every released buffer; none of these may be among them
        loss.forward(net.forward(x), labels);
        net.backward(loss.backward());
        assertThat(logits.toFloats()).as("the logits (e.g. for accuracy)").containsExactly(logitsBefore);
        assertThat(dx.toFloats()).as("the input gradient").containsExactly(dxBefore);
        assertThat(dy.toFloats()).as("the gradient given to backward").containsExactly(dyBefore);
        assertThat(x.toFloats()).as("the input").containsExactly(xBefore);
    }

    /** Shows one module's output to the test; like a statistics hook, it promises not to keep tensors. */
    static final class Peek implements ModuleHook {
        final String path;
        final boolean keeps;
        Tensor seen;

        Peek(String path, boolean keeps) {
            this.path = path;
            this.keeps = keeps;
        }

        @Override
        public boolean keepsTensors() {
            return keeps;
        }

        @Override
        public void afterForward(String p, Module module, Tensor output) {
            if (p.equals(path)) seen = output;
        }
    }

    @Test
    void activationsAreReleasedAtTheNextForwardAndAStaleOneSaysSo() {
        Module net = bottleneckNet();
        Peek peek = new Peek("layer1.0.conv2", false);
        net.addHook(peek);
        Tensor x = input(4, 32), dy = CPU.fromFloats(new float[4 * 5], 4, 5);
        net.forward(x);
        Tensor conv2Out = peek.seen;
        net.backward(dy);
        net.backward(dy); // a second backward after one forward still finds its activations
        assertThat(CPU.isReleased(conv2Out)).isFalse();
        net.forward(x);
        assertThat(CPU.isReleased(conv2Out)).isTrue();
        assertThatThrownBy(conv2Out::toFloats).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Tensor(4, 64, 8, 8)").hasMessageContaining("was released");
    }

    @Test
    void aHookThatMayKeepTensorsKeepsThemValid() {
        Module net = bottleneckNet();
        Peek peek = new Peek("layer1.0.conv2", true);
        net.addHook(peek);
        Tensor x = input(4, 32), dy = CPU.fromFloats(new float[4 * 5], 4, 5);
        net.forward(x);
        Tensor first = peek.seen;
        float[] values = first.toFloats();
        net.backward(dy);
        net.forward(input(4, 32));
        net.backward(dy);
        assertThat(first.toFloats()).containsExactly(values);
    }

    @Test
    void anInPlaceReluWritesOverItsInputAndHasTheSameGradient() {
        float[] v = {-1, 2, -3, 4, 0, 5};
        Tensor x = CPU.fromFloats(v, 2, 3), dy = CPU.fromFloats(new float[] {1, 1, 1, 1, 1, 1}, 2, 3);
        ReLU inplace = new ReLU(true), copying = new ReLU();
        Tensor y1 = copying.forward(CPU.fromFloats(v, 2, 3));
        Tensor y2 = inplace.forward(x);
        assertThat(y2.storage()).isSameAs(x.storage());
        assertThat(x.toFloats()).containsExactly(0, 2, 0, 4, 0, 5);
        assertThat(y2.toFloats()).containsExactly(y1.toFloats());
        assertThat(inplace.backward(dy).toFloats()).containsExactly(copying.backward(dy).toFloats());
        assertThat(inplace.describe()).isEqualTo("ReLU(inplace=True)");
    }
}
