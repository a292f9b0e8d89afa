package org.resnet4j.ops.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.TestTensors;
import org.resnet4j.ops.init.RandomState;

/** Structure of the models: shapes, names, init, options and zoo errors (numbers against PyTorch live in the golden tests). */
class ModelStructureTest {


    @Test
    void seedBottleneckDemo() {
        // seed 000: Bottleneck(64, 256) on torch.randn(1, 64, 56, 56) gives torch.Size([1, 256, 56, 56])
        Module m = ModelZoo.create("seed-bottleneck");
        assertThat(m.forward(TestTensors.gaussian(1, 1, 64, 56, 56)).shape()).containsExactly(1, 256, 56, 56);
        assertThat(m.namedParameters().get("downsample.0.bias").shape()).containsExactly(256);
    }

    @Test
    void simpleResNetShapeOnItsOwnInputSize() {
        // 87M parameters: build once, one eval forward on the 32x32 input its 4x4 head needs
        Module m = ModelZoo.create("seed-simple-resnet");
        m.eval();
        assertThat(m.forward(TestTensors.gaussian(1, 1, 3, 32, 32)).shape()).containsExactly(1, 10);
        assertThat(m.namedParameters()).containsKeys("conv1.0.bias", "res_block2.2.downsample.0.weight", "output.4.weight");
        assertThat(m.parameterCount()).isEqualTo(ParameterCountTest.PYTORCH.get("seed-simple-resnet"));
    }

    @Test
    void zeroInitResidualZeroesTheLastBnOfEveryBlock() {
        Module m = ModelZoo.create("resnet50", ModelOptions.defaults().zeroInitResidual(true));
        for (var e : m.namedParameters().entrySet()) {
            if (e.getKey().matches("layer\\d\\.\\d+\\.bn3\\.weight")) assertThat(e.getValue().data().toFloats()).containsOnly(0f);
            if (e.getKey().matches("layer\\d\\.\\d+\\.bn[12]\\.weight")) assertThat(e.getValue().data().toFloats()).containsOnly(1f);
        }
        Module r18 = ModelZoo.create("resnet18", ModelOptions.defaults().zeroInitResidual(true));
        assertThat(r18.namedParameters().get("layer4.1.bn2.weight").data().toFloats()).containsOnly(0f);
        assertThat(r18.namedParameters().get("layer4.1.bn1.weight").data().toFloats()).containsOnly(1f);
    }

    @Test
    void torchvisionInitStatistics() {
        RandomState.manualSeed(1);
        Module m = ModelZoo.create("resnet18");
        float[] w = m.namedParameters().get("layer3.0.conv2.weight").data().toFloats(); // (256, 256, 3, 3)
        double s2 = 0;
        for (float f : w) s2 += (double) f * f;
        double std = Math.sqrt(s2 / w.length);
        double expected = Math.sqrt(2.0 / (256 * 9)); // kaiming_normal fan_out = out_channels * 3 * 3
        assertThat(std).isBetween(expected * 0.98, expected * 1.02);
        assertThat(m.namedParameters().get("bn1.bias").data().toFloats()).containsOnly(0f);
        float[] fc = m.namedParameters().get("fc.weight").data().toFloats(); // PyTorch default: U(-1/sqrt(512), 1/sqrt(512))
        for (float f : fc) assertThat(Math.abs(f)).isLessThanOrEqualTo((float) (1 / Math.sqrt(512)));
    }

    @Test
    void torchvisionStateNames() {
        Module m = ModelZoo.create("resnet50");
        assertThat(m.namedParameters()).containsKeys("conv1.weight", "layer1.0.downsample.0.weight", "layer1.0.downsample.1.bias",
                "layer4.2.conv3.weight", "fc.bias");
        assertThat(m.namedBuffers()).containsKeys("bn1.running_mean", "layer2.0.downsample.1.running_var");
        assertThat(m.namedCounters()).containsKey("layer3.5.bn3.num_batches_tracked");
        assertThat(m.namedParameters().get("layer2.0.conv2.weight").shape()).containsExactly(128, 128, 3, 3);
        Module x = ModelZoo.create("resnext50_32x4d");
        assertThat(x.namedParameters().get("layer1.0.conv2.weight").shape()).containsExactly(128, 4, 3, 3); // width 128, 32 groups
        Module d2l = ModelZoo.create("seed-d2l-resnet18");
        assertThat(d2l.namedParameters()).containsKeys("0.0.weight", "0.0.bias", "2.0.conv3.weight", "7.weight");
        Module v1 = ModelZoo.create("seed-cifar-resnet");
        assertThat(v1.namedParameters()).containsKeys("conv1.0.bias", "conv3.0.shortcut.0.weight", "fc.0.weight");
        assertThat(v1.namedParameters().get("conv3.0.conv1.0.weight").shape()).containsExactly(128, 256, 1, 1);
    }

    @Test
    void zooErrorsNameTheProblem() {
        assertThatThrownBy(() -> ModelZoo.create("resnet19")).hasMessageContaining("unknown model 'resnet19'")
                .hasMessageContaining("resnet18").hasMessageContaining("seed-mnist");
        assertThatThrownBy(() -> ModelZoo.create("resnet18", ModelOptions.defaults().groups(2)))
                .hasMessageContaining("BasicBlock only supports groups=1");
        assertThatThrownBy(() -> ModelZoo.create("resnet34", ModelOptions.defaults().replaceStrideWithDilation(false, false, true)))
                .hasMessageContaining("Dilation > 1 not supported in BasicBlock");
        assertThatThrownBy(() -> ModelZoo.create("resnext50_32x4d", ModelOptions.defaults().groups(8)))
                .hasMessageContaining("'groups' expected value 32 but got 8");
        assertThatThrownBy(() -> ModelZoo.create("seed-mnist", ModelOptions.defaults().zeroInitResidual(true)))
                .hasMessageContaining("does not support the option(s) zeroInitResidual");
        assertThat(ModelZoo.create("resnet20b").parameterCount()).isEqualTo(272_474L);
        assertThat(ModelZoo.descriptions()).hasSameSizeAs(ModelZoo.names()).allSatisfy((k, v) -> assertThat(v).isNotBlank());
    }
}
