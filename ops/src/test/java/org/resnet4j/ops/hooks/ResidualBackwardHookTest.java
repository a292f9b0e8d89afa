package org.resnet4j.ops.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.ModuleHook;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.CifarResNet;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.nn.CrossEntropyLoss;

/** The residual-split hook hands out the block's own backward tensors, and they add up. */
class ResidualBackwardHookTest {

    private record Split(String path, Tensor dSum, Tensor dxMain, Tensor dxShortcut, Tensor dx) {}

    /** Keeps the tensors themselves (not copies) so identity with the backward's tensors can be checked. */
    private static final class Capture implements ModuleHook {
        final List<Split> splits = new ArrayList<>();
        final Map<String, Tensor> gradInputs = new HashMap<>();
        final Map<String, Tensor> gradOutputs = new HashMap<>();

        @Override
        public void afterResidualBackward(String path, Module block, Tensor dSum, Tensor dxMain, Tensor dxShortcut, Tensor dx) {
            splits.add(new Split(path, dSum, dxMain, dxShortcut, dx));
        }

        @Override
        public void afterBackward(String path, Module module, Tensor gradOutput, Tensor gradInput) {
            gradInputs.put(path, gradInput);
            gradOutputs.put(path, gradOutput);
        }
    }

    private static Module tinyNet(CifarResNet.Shortcut shortcut) {
        RandomState.manualSeed(7);
        return new CifarResNet(8, shortcut, ModelOptions.defaults().inChannels(1).numClasses(3));
    }

    private static void step(Module net) {
        var be = CpuBackend.get();
        float[] x = new float[4 * 8 * 8];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(0.37 * i);
        Tensor logits = net.forward(be.fromFloats(x, 4, 1, 8, 8));
        CrossEntropyLoss loss = new CrossEntropyLoss();
        loss.forward(logits, be.fromFloats(new float[] {0, 1, 2, 1}, 4));
        net.backward(loss.backward());
    }

    @Test
    void everyBlockReportsTheTensorsItsBackwardUses() {
        Module net = tinyNet(CifarResNet.Shortcut.A);
        Capture c = new Capture();
        net.addHook(c);
        step(net);
        // depth 8: one BasicBlock per stage, reported from the output side back to the input
        assertThat(c.splits).extracting(Split::path).containsExactly("layer3.0", "layer2.0", "layer1.0");
        for (Split s : c.splits) {
            assertThat(s.dx()).as("dx of %s is what the block returns", s.path()).isSameAs(c.gradInputs.get(s.path()));
            assertThat(s.dSum()).as("dSum of %s is what the final ReLU sends back", s.path())
                    .isSameAs(c.gradInputs.get(s.path() + ".relu_out"));
            assertThat(s.dxMain()).as("dxMain of %s leaves the branch's first conv", s.path())
                    .isSameAs(c.gradInputs.get(s.path() + ".conv1"));
            if (c.gradInputs.containsKey(s.path() + ".downsample")) {
                assertThat(s.dxShortcut()).isSameAs(c.gradInputs.get(s.path() + ".downsample"));
            } else {
                assertThat(s.dxShortcut()).as("identity shortcut passes dSum on unchanged").isSameAs(s.dSum());
            }
            // dx = dxMain + dxShortcut, element by element (one float32 addition, so exact)
            float[] dx = s.dx().toFloats(), a = s.dxMain().toFloats(), b = s.dxShortcut().toFloats();
            for (int i = 0; i < dx.length; i++) assertThat(dx[i]).isEqualTo(a[i] + b[i]);
        }
    }

    @Test
    void gradientStatsRecordsBlocksPerStepAndPlainNetsHaveNone() {
        Module net = tinyNet(CifarResNet.Shortcut.A);
        GradientStats stats = new GradientStats();
        Capture c = new Capture();
        net.addHook(stats);
        net.addHook(c);
        stats.beginStep(3);
        step(net);
        List<GradientStats.BlockStats> blocks = stats.blockRecords(3);
        assertThat(blocks).hasSize(3);
        for (int i = 0; i < 3; i++) {
            GradientStats.BlockStats b = blocks.get(i);
            Split s = c.splits.get(i);
            assertThat(b.path()).isEqualTo(s.path());
            assertThat(b.step()).isEqualTo(3);
            assertThat(b.dx()).isEqualTo(TensorStats.of(s.dx()));
            assertThat(b.dSum()).isEqualTo(TensorStats.of(s.dSum()));
            assertThat(b.dxMain()).isEqualTo(TensorStats.of(s.dxMain()));
            assertThat(b.dxShortcut()).isEqualTo(TensorStats.of(s.dxShortcut()));
            assertThat(b.dx().l2Norm()).isEqualTo(stats.record(3, s.path()).gradInput().l2Norm());
        }
        stats.setEnabled(false);
        stats.beginStep(4);
        step(net);
        assertThat(stats.blockRecords(4)).isEmpty();

        Module plain = tinyNet(CifarResNet.Shortcut.NONE);
        GradientStats plainStats = new GradientStats();
        plain.addHook(plainStats);
        step(plain);
        assertThat(plainStats.blockRecords(0)).isEmpty();
        assertThat(plainStats.records(0)).isNotEmpty();
    }

    @Test
    void preActivationBlocksReportWhereTheirBranchesMeet() {
        RandomState.manualSeed(11);
        Module net = org.resnet4j.ops.models.ModelZoo.create("preact-resnet20");
        Capture c = new Capture();
        net.addHook(c);
        var be = CpuBackend.get();
        float[] x = new float[2 * 3 * 16 * 16];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(0.29 * i);
        Tensor logits = net.forward(be.fromFloats(x, 2, 3, 16, 16));
        CrossEntropyLoss loss = new CrossEntropyLoss();
        loss.forward(logits, be.fromFloats(new float[] {3, 7}, 2));
        net.backward(loss.backward());
        Map<String, Split> byPath = new HashMap<>();
        for (Split s : c.splits) byPath.put(s.path(), s);
        assertThat(byPath).hasSize(9);
        // identity shortcut: the branches meet at the block input, and the shortcut returns the sum's gradient
        Split identity = byPath.get("layer2.1");
        assertThat(identity.dx()).isSameAs(c.gradInputs.get("layer2.1"));
        assertThat(identity.dxShortcut()).isSameAs(identity.dSum());
        // projection shortcut: both branches start after bn1 and relu, so they meet there, not at the input
        Split projection = byPath.get("layer2.0");
        assertThat(projection.dxShortcut()).isSameAs(c.gradInputs.get("layer2.0.downsample"));
        assertThat(projection.dx()).isSameAs(c.gradOutputs.get("layer2.0.relu"));
        for (Split s : List.of(identity, projection)) {
            float[] dx = s.dx().toFloats(), a = s.dxMain().toFloats(), b = s.dxShortcut().toFloats();
            for (int i = 0; i < dx.length; i++) assertThat(dx[i]).isEqualTo(a[i] + b[i]);
        }
    }
}
