package org.resnet4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.resnet4j.ops.models.ArchitectureMetadata;
import org.resnet4j.ops.models.ModelOptions;

class ModelSpecTest {
    /** resnext50_32x4d's bottleneck 3x3 is 128 wide in 32 groups of 4 input channels; a plain ResNet-50's is 64 x 64. */
    @Test
    void workersBuildTheArchitectureTheRunRecords() {
        ModelOptions resnext = ModelOptions.defaults().groups(32).widthPerGroup(4).numClasses(10).inChannels(3);
        Map<String, String> record = ArchitectureMetadata.of("resnet50", resnext, null);

        ModelSpec grouped = new ModelSpec("resnet50", 3, 10, new java.util.HashMap<>(record));
        ModelSpec plain = new ModelSpec("resnet50", 3, 10);

        assertThat(grouped.build().namedParameters().get("layer1.0.conv2.weight").shape()).containsExactly(128, 4, 3, 3);
        assertThat(plain.build().namedParameters().get("layer1.0.conv2.weight").shape()).containsExactly(64, 64, 3, 3);
    }
}
