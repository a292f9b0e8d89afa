package org.resnet4j.ops.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.ops.Module;

/**
 * Parameter counts of every model in the zoo next to PyTorch's, computed with torch 1.13.1 and
 * torchvision 0.14.1 by {@code /usr/bin/python3 ops/src/test/python/reference_models.py}
 * (torchvision's own builders for the torchvision names; the script's PyTorch definitions, with the
 * same state_dict names, for the rest). No forward pass: building the model is the test.
 */
class ParameterCountTest {
    static final Map<String, Long> PYTORCH = new LinkedHashMap<>();

    static {
        PYTORCH.put("resnet18", 11_689_512L);
        PYTORCH.put("resnet34", 21_797_672L);
        PYTORCH.put("resnet50", 25_557_032L);
        PYTORCH.put("resnet101", 44_549_160L);
        PYTORCH.put("resnet152", 60_192_808L);
        PYTORCH.put("resnext50_32x4d", 25_028_904L);
        PYTORCH.put("resnext101_32x8d", 88_791_336L);
        PYTORCH.put("wide_resnet50_2", 68_883_240L);
        PYTORCH.put("wide_resnet101_2", 126_886_696L);
        PYTORCH.put("resnet20", 269_722L);
        PYTORCH.put("resnet32", 464_154L);
        PYTORCH.put("resnet44", 658_586L);
        PYTORCH.put("resnet56", 853_018L);
        PYTORCH.put("resnet110", 1_727_962L);
        PYTORCH.put("resnet1202", 19_421_274L);
        PYTORCH.put("resnet20-b", 272_474L);
        PYTORCH.put("resnet32-b", 466_906L);
        PYTORCH.put("resnet44-b", 661_338L);
        PYTORCH.put("resnet56-b", 855_770L);
        PYTORCH.put("resnet110-b", 1_730_714L);
        PYTORCH.put("resnet1202-b", 19_424_026L);
        PYTORCH.put("plain20", 269_722L);
        PYTORCH.put("plain32", 464_154L);
        PYTORCH.put("plain44", 658_586L);
        PYTORCH.put("plain56", 853_018L);
        PYTORCH.put("plain110", 1_727_962L);
        PYTORCH.put("plain1202", 19_421_274L);
        PYTORCH.put("preact-resnet20", 272_282L);
        PYTORCH.put("preact-resnet32", 466_714L);
        PYTORCH.put("preact-resnet44", 661_146L);
        PYTORCH.put("preact-resnet56", 855_578L);
        PYTORCH.put("preact-resnet110", 1_730_522L);
        PYTORCH.put("preact-resnet164", 1_703_258L);
        PYTORCH.put("preact-resnet1001", 10_327_706L);
        PYTORCH.put("preact-resnet18", 11_687_848L);
        PYTORCH.put("preact-resnet34", 21_796_008L);
        PYTORCH.put("preact-resnet50", 25_549_480L);
        PYTORCH.put("preact-resnet101", 44_541_608L);
        PYTORCH.put("preact-resnet152", 60_185_256L);
        PYTORCH.put("seed-bottleneck", 75_264L);
        PYTORCH.put("seed-resnet50-v1", 25_557_096L);
        PYTORCH.put("seed-cifar-resnet", 1_450_122L);
        PYTORCH.put("seed-tf-cifar", 758_922L);
        PYTORCH.put("seed-simple-resnet", 87_428_746L);
        PYTORCH.put("seed-d2l-resnet18", 11_178_378L);
        PYTORCH.put("seed-mnist", 210_882L);
    }

    /** The largest models take seconds each just to draw their initial weights on two cores: one test each. */
    static final java.util.Set<String> HEAVY = java.util.Set.of("resnet152", "resnext101_32x8d", "wide_resnet101_2",
            "preact-resnet152");

    /** Built (and its count checked) once, by ModelStructureTest.simpleResNetShapeOnItsOwnInputSize. */
    static final String BUILT_ELSEWHERE = "seed-simple-resnet";

    static Iterable<String> names() {
        return PYTORCH.keySet().stream().filter(n -> !HEAVY.contains(n) && !n.equals(BUILT_ELSEWHERE)).toList();
    }

    static Iterable<String> heavyNames() {
        return HEAVY.stream().sorted().toList();
    }

    @ParameterizedTest
    @MethodSource("names")
    void matchesPyTorch(String name) {
        Module m = ModelZoo.create(name);
        assertThat(m.parameterCount()).as(name).isEqualTo(PYTORCH.get(name));
    }

    @ParameterizedTest
    @MethodSource("heavyNames")
    void largestModelsMatchPyTorch(String name) {
        matchesPyTorch(name);
    }

    @Test
    void everyZooModelHasAPyTorchCount() {
        assertThat(ModelZoo.names()).containsExactlyInAnyOrderElementsOf(PYTORCH.keySet());
    }

    @Test
    void optionsChangeTheCountsAsInPyTorch() {
        // same script, "extra" section
        assertThat(ModelZoo.create("resnet18", ModelOptions.defaults().numClasses(10)).parameterCount()).isEqualTo(11_181_642L);
        assertThat(ModelZoo.create("resnet50", ModelOptions.defaults().groups(2).widthPerGroup(32)).parameterCount()).isEqualTo(19_898_408L);
        assertThat(ModelZoo.create("resnet20", ModelOptions.defaults().inChannels(1)).parameterCount()).isEqualTo(269_434L);
    }
}
