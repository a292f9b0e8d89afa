package org.resnet4j.ops.models;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;

/** The per-branch gradients a block records: the sum's gradient reaches both branches; their returns add up to dx. */
class BranchFlowTest {

    private static Tensor runBackward(Module m) {
        Tensor y = m.forward(ModelStructureTest.random(1, 2, 3, 16, 16));
        return m.backward(ModelStructureTest.random(2, y.shape()));
    }

    private static void assertSum(ResidualBlock.BranchFlow f) {
        float[] main = f.fromMain().toFloats(), shortcut = f.fromShortcut().toFloats(), in = f.atInput().toFloats();
        for (int i = 0; i < in.length; i++) assertThat(in[i]).isEqualTo(main[i] + shortcut[i]);
    }

    @Test
    void residualBlocksRecordBothBranches() {
        Module m = ModelZoo.create("resnet20");
        ResidualBlock identity = (ResidualBlock) m.namedModules().get("layer1.0");
        ResidualBlock optionA = (ResidualBlock) m.namedModules().get("layer2.0");
        runBackward(m);
        assertThat(identity.lastBranchFlow()).as("off by default").isNull();

        identity.recordBranchFlow(true);
        optionA.recordBranchFlow(true);
        runBackward(m);
        ResidualBlock.BranchFlow f = identity.lastBranchFlow();
        assertThat(f.fromShortcut()).as("an identity shortcut returns the sum's gradient itself").isSameAs(f.atSum());
        assertSum(f);
        ResidualBlock.BranchFlow a = optionA.lastBranchFlow();
        assertThat(a.atSum().shape()).containsExactly(2, 32, 8, 8);
        assertThat(a.fromShortcut().shape()).containsExactly(2, 16, 16, 16);
        assertSum(a);
        identity.recordBranchFlow(false);
        assertThat(identity.lastBranchFlow()).isNull();
    }

    @Test
    void plainAndPreActivationBlocks() {
        Module plain = ModelZoo.create("plain20");
        ResidualBlock b = (ResidualBlock) plain.namedModules().get("layer3.1");
        b.recordBranchFlow(true);
        runBackward(plain);
        assertThat(b.lastBranchFlow().fromShortcut()).isNull();
        assertThat(b.lastBranchFlow().atInput()).isSameAs(b.lastBranchFlow().fromMain());

        Module preact = ModelZoo.create("preact-resnet20");
        ResidualBlock projection = (ResidualBlock) preact.namedModules().get("layer2.0");
        ResidualBlock identity = (ResidualBlock) preact.namedModules().get("layer2.1");
        projection.recordBranchFlow(true);
        identity.recordBranchFlow(true);
        runBackward(preact);
        assertSum(identity.lastBranchFlow());
        // with a projection the branches meet at the pre-activation, before bn1 and relu
        ResidualBlock.BranchFlow p = projection.lastBranchFlow();
        assertThat(p.fromMain().shape()).containsExactly(p.fromShortcut().shape());
        assertThat(p.atInput().shape()).containsExactly(2, 16, 16, 16);
    }
}
