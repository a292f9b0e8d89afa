package org.resnet4j.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.SGD;

/**
 * In training, a batch norm with the residual sum and the ReLU after it applied in its last pass (Fusion.batchNorm,
 * used when no hook watches those layers) gives, over two SGD steps, the bits of the layers run one by one (forced
 * by a hook on every module): losses, logits, every gradient, the input gradient, the running statistics.
 */
class TrainingFusionTest {

    /** Watches every module, and so keeps every layer to its own forward. */
    static final class Watch implements ModuleHook {
        @Override
        public boolean keepsTensors() {
            return false;
        }
    }

    static Map<String, float[]> twoSteps(String name, int side, boolean watched) {
        RandomState.manualSeed(11);
        Module net = ModelZoo.create(name);
        if (watched) net.addHook(new Watch());
        int[] chw = ModelZoo.inputShape(name, null);
        Tensor x = TestTensors.gaussian(4, 4, chw[0], side, side);
        Tensor labels = org.resnet4j.core.cpu.CpuBackend.get().fromFloats(new float[] {1, 0, 3, 2}, 4);
        SGD sgd = new SGD(net.namedParameters(), 0.05, 0.9, 0, 5e-4, false);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int step = 0; step < 2; step++) {
            sgd.zeroGrad();
            Tensor logits = net.forward(x);
            out.put("logits " + step, logits.toFloats());
            out.put("loss " + step, new float[] {(float) loss.forward(logits, labels)});
            out.put("dx " + step, net.backward(loss.backward()).toFloats());
            for (var e : net.namedParameters().entrySet()) out.put("grad " + e.getKey() + " " + step, e.getValue().grad().toFloats());
            sgd.step();
        }
        for (var e : net.namedBuffers().entrySet()) out.put(e.getKey(), e.getValue().data().toFloats());
        return out;
    }

    @ParameterizedTest
    @CsvSource({"resnet20, 16", "resnet20-b, 16", "plain20, 16", "resnet18, 32", "resnet50, 32", "preact-resnet20, 16",
            "seed-mnist, 28"})
    void sameBitsAsTheLayersOneByOne(String name, int side) {
        Map<String, float[]> fused = twoSteps(name, side, false), apart = twoSteps(name, side, true);
        assertThat(fused.keySet()).containsExactlyElementsOf(apart.keySet());
        for (var e : apart.entrySet()) {
            InferenceModeTest.assertSameBits(fused.get(e.getKey()), e.getValue(), name + " " + e.getKey() + ", fused vs layer by layer");
        }
    }
}
