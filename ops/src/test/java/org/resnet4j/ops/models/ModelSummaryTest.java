package org.resnet4j.ops.models;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.resnet4j.ops.Module;

/** Mult-adds and output shapes from {@code /usr/bin/python3 ops/src/test/python/count_macs.py} (torch 1.13). */
class ModelSummaryTest {

    @Test
    void resnet18MatchesPyTorch() {
        Module m = ModelZoo.create("resnet18");
        ModelSummary s = ModelSummary.of(m, 1, 3, 64, 64);
        assertThat(s.totalParams()).isEqualTo(11_689_512L);
        assertThat(s.trainableParams()).isEqualTo(11_689_512L);
        assertThat(s.multAdds()).isEqualTo(148_557_824L);
        assertThat(s.flops()).isEqualTo(2 * 148_557_824L);
        assertThat(s.outputShape()).containsExactly(1, 1000);
        ModelSummary.Row layer4 = s.rows().stream().filter(r -> r.name().equals("layer4")).findFirst().orElseThrow();
        assertThat(layer4.outputShape()).containsExactly(1, 512, 2, 2);
        assertThat(layer4.params()).isEqualTo(8_393_728L); // sum(p.numel() for p in resnet18().layer4.parameters())
        assertThat(m.isTraining()).as("mode restored").isTrue();
        String table = s.table(1);
        assertThat(table).contains("layer1 (Sequential)", "(1, 64, 16, 16)", "fc (Linear)", "Total params: 11,689,512",
                "Total mult-adds (M): 148.56");
    }

    @Test
    void cifarResnet20AndTheMnistSeed() {
        ModelSummary s = ModelSummary.of(ModelZoo.create("resnet20"), 2, 3, 32, 32);
        assertThat(s.totalParams()).isEqualTo(269_722L);
        assertThat(s.multAdds()).isEqualTo(81_102_080L);
        assertThat(s.outputShape()).containsExactly(2, 10);
        assertThat(s.rows().stream().filter(r -> r.name().equals("layer3.0.downsample")).findFirst().orElseThrow().outputShape())
                .containsExactly(2, 64, 8, 8);
        assertThat(s.toString()).contains("layer3.0.downsample (OptionAShortcut)");

        ModelSummary mnist = ModelSummary.of(ModelZoo.create("seed-mnist"), 1, 1, 28, 28);
        assertThat(mnist.multAdds()).isEqualTo(2_976_976L);
        assertThat(mnist.outputShape()).containsExactly(1, 10);
        assertThat(mnist.totalParams()).isEqualTo(210_882L);
    }

    @Test
    void everyModelHasADesignInputAndTheSmallOnesRunOnIt() {
        assertThat(ModelZoo.inputShape("resnet50", ModelOptions.defaults())).containsExactly(3, 224, 224);
        assertThat(ModelZoo.inputShape("resnet56", ModelOptions.defaults().inChannels(1))).containsExactly(1, 32, 32);
        assertThat(ModelZoo.inputShape("preact-resnet18", ModelOptions.defaults())).containsExactly(3, 224, 224);
        assertThat(ModelZoo.inputShape("preact-resnet164", ModelOptions.defaults())).containsExactly(3, 32, 32);
        assertThat(ModelZoo.inputShape("seed-simple-resnet", ModelOptions.defaults())).containsExactly(3, 32, 32);
        for (String name : ModelZoo.names()) assertThat(ModelZoo.inputShape(name, null)).as(name).hasSize(3);
        for (String name : new String[] {"resnet20", "plain20", "resnet20-b", "preact-resnet20", "seed-tf-cifar", "seed-mnist",
                "seed-bottleneck", "seed-cifar-resnet"}) {
            int[] chw = ModelZoo.inputShape(name, ModelOptions.defaults());
            ModelSummary s = ModelSummary.of(ModelZoo.create(name), 1, chw[0], chw[1], chw[2]);
            assertThat(s.outputShape()[0]).as(name).isEqualTo(1);
        }
    }
}
