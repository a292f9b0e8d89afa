package org.resnet4j.ops.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.ops.api.Classifier;
import org.resnet4j.ops.io.SafeTensors;
import org.resnet4j.ops.io.StateDict;

/** Checkpoints carry the architecture they belong to; loading them as another one is refused, option by option. */
class ArchitectureMetadataTest {
    private static final ModelOptions DILATED = ModelOptions.defaults().numClasses(10).replaceStrideWithDilation(false, true, true);

    @Test
    void aDilatedResNet50IsRecordedAndRefusedAsAPlainOne(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("dilated.safetensors");
        Classifier.create("resnet50", DILATED).save(f);
        Map<String, String> meta = SafeTensors.read(f).metadata();
        assertThat(meta).containsEntry("format", "pt").containsEntry("resnet4j.model", "resnet50")
                .containsEntry("resnet4j.replace_stride_with_dilation", "false,true,true").containsEntry("resnet4j.groups", "1")
                .containsEntry("resnet4j.width_per_group", "64").containsEntry("resnet4j.num_classes", "10")
                .containsEntry("resnet4j.in_channels", "3").containsEntry("resnet4j.zero_init_residual", "false");

        // the same parameter shapes: only the record tells them apart
        assertThatThrownBy(() -> Classifier.load("resnet50", f))
                .isInstanceOf(ArchitectureMetadata.MismatchException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("option replace_stride_with_dilation: checkpoint false,true,true, requested false,false,false")
                .hasMessageContaining("--replace-stride-with-dilation=false,true,true");
        assertThat(Classifier.load("resnet50", f, ModelOptions.defaults().replaceStrideWithDilation(false, true, true)).numClasses())
                .isEqualTo(10);
    }

    @Test
    void anotherModelNameOrGroupsIsRefusedBeforeAnyShapeIsCompared(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("resnext.safetensors");
        Classifier.create("resnext50_32x4d", 10).save(f);
        assertThat(SafeTensors.read(f).metadata()).containsEntry("resnet4j.groups", "32").containsEntry("resnet4j.width_per_group", "4");
        assertThatThrownBy(() -> Classifier.load("resnet50", f)).isInstanceOf(ArchitectureMetadata.MismatchException.class)
                .hasMessageContaining("option model: checkpoint resnext50_32x4d, requested resnet50");

        Path g = dir.resolve("g2.safetensors");
        Classifier.create("resnet50", ModelOptions.defaults().numClasses(4).groups(2)).save(g);
        var e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> Classifier.load("resnet50", g, ModelOptions.defaults().widthPerGroup(32)),
                ArchitectureMetadata.MismatchException.class);
        assertThat(e.mismatches()).containsExactly(new ArchitectureMetadata.Mismatch("groups", "2", "1"),
                new ArchitectureMetadata.Mismatch("width_per_group", "64", "32"));
    }

    @Test
    void aFileWithoutARecordLoadsAsBeforeAndTheAssumptionIsNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("torchvision.safetensors");
        StateDict.save(ModelZoo.create("resnet50", DILATED), f); // a plain state_dict, as PyTorch exports one
        assertThat(SafeTensors.read(f).metadata()).doesNotContainKey("resnet4j.model");
        assertThat(Classifier.load("resnet50", f).numClasses()).isEqualTo(10);
        assertThat(ArchitectureMetadata.assumption(Map.of(), "resnet50", DILATED, "w.safetensors"))
                .contains("w.safetensors carries no architecture record").contains("assumed replace_stride_with_dilation=false,true,true");
        assertThat(ArchitectureMetadata.assumption(Map.of(), "resnet18", ModelOptions.defaults(), "w")).isNull(); // shapes decide
        assertThat(ArchitectureMetadata.assumption(Map.of("resnet4j.model", "resnet50"), "resnet50", DILATED, "w")).isNull();
    }

    @Test
    void recordsRoundTripAndDamagedValuesAreNamed() {
        Map<String, String> m = ArchitectureMetadata.of("resnet20", ModelOptions.defaults().zeroInitResidual(true), ModelZoo.create("resnet20"));
        assertThat(m).containsEntry("resnet4j.model", "resnet20").containsEntry("resnet4j.num_classes", "10")
                .containsEntry("resnet4j.zero_init_residual", "true").doesNotContainKeys("resnet4j.groups", "resnet4j.replace_stride_with_dilation");
        ArchitectureMetadata.Recorded r = ArchitectureMetadata.read(m, "f");
        assertThat(r.model()).isEqualTo("resnet20");
        assertThat(r.options()).isEqualTo(ModelOptions.defaults().numClasses(10).inChannels(3).zeroInitResidual(true));
        // zero_init_residual only decides initial values: not checked
        ArchitectureMetadata.check(m, "resnet20", ModelOptions.defaults(), "f");

        Map<String, String> bad = new LinkedHashMap<>(ArchitectureMetadata.of("resnet50", DILATED, null));
        bad.put("resnet4j.replace_stride_with_dilation", "false,true");
        assertThatThrownBy(() -> ArchitectureMetadata.read(bad, "x.safetensors")).hasMessageContaining("x.safetensors")
                .hasMessageContaining("resnet4j.replace_stride_with_dilation must be 3 booleans, got 'false,true'");
        bad.put("resnet4j.replace_stride_with_dilation", "false,true,true");
        bad.put("resnet4j.groups", "0");
        assertThatThrownBy(() -> ArchitectureMetadata.read(bad, "x")).hasMessageContaining("resnet4j.groups must be a positive integer, got '0'");
    }
}
