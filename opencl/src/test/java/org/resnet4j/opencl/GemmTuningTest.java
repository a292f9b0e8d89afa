package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The written form of a tiling, and the system property that replaces the table's choice with one. */
class GemmTuningTest {
    @Test
    void parseReadsTilesBlockAndKernel() {
        GemmTuning t = GemmTuning.parse(" 128x64x16/8x4:sgemm_db ");
        assertThat(new int[] {t.tileM(), t.tileN(), t.tileK(), t.wptM(), t.wptN()}).containsExactly(128, 64, 16, 8, 4);
        assertThat(t.kernelName()).isEqualTo(GemmTuning.DOUBLE_BUFFERED);
        assertThat(t.workGroupSize()).isEqualTo(16 * 16);
        assertThat(GemmTuning.parse("32x32x8/4x4").kernelName()).as("default kernel").isEqualTo(GemmTuning.LOCAL_TILES);
    }

    @Test
    void onlyTheDoubleBufferedKernelHasAGroupedTwin() {
        assertThat(GemmTuning.parse("64x64x16/4x8:sgemm_db").groupedKernelName()).isEqualTo("sgemm_db_grouped");
        assertThat(GemmTuning.parse("64x64x16/4x8:sgemm").groupedKernelName()).isEqualTo("sgemm");
        assertThat(GemmTuning.parse("64x64x4/8x8:sgemm_vec8").groupedKernelName()).isEqualTo("sgemm_vec8");
    }

    @Test
    void malformedOrInconsistentTilingsAreRefusedWithTheExpectedForm() {
        assertThatThrownBy(() -> GemmTuning.parse("128x128/8x8")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'128x128/8x8'").hasMessageContaining("MxNxK/WMxWN[:kernel]");
        assertThatThrownBy(() -> GemmTuning.parse("64x64x16/4x4:sgemm_fast")).hasMessageContaining("unknown SGEMM kernel sgemm_fast")
                .hasMessageContaining("sgemm, sgemm_db, sgemm_direct, sgemm_vec8");
        assertThatThrownBy(() -> GemmTuning.parse("48x48x16/6x6:sgemm_db")).hasMessageContaining("runs of 4");
    }

    @Test
    void thePropertyReplacesTheTableAndMustFitTheDevice() {
        String before = System.getProperty(GemmTuning.OVERRIDE_PROPERTY);
        try {
            System.clearProperty(GemmTuning.OVERRIDE_PROPERTY);
            assertThat(GemmTuning.chosen("GPU", "NVIDIA Corporation", "H100", 1024)).isEqualTo(GemmTuning.NVIDIA_GPU);
            System.setProperty(GemmTuning.OVERRIDE_PROPERTY, "64x64x16/4x8:sgemm_db");
            GemmTuning t = GemmTuning.chosen("GPU", "NVIDIA Corporation", "H100", 1024);
            assertThat(t.kernelName()).isEqualTo(GemmTuning.DOUBLE_BUFFERED);
            assertThat(t.workGroupSize()).isEqualTo(128);
            assertThatThrownBy(() -> GemmTuning.chosen("GPU", "NVIDIA Corporation", "small", 64))
                    .hasMessageContaining("needs work-groups of 128").hasMessageContaining("small allows 64");
        } finally {
            if (before == null) System.clearProperty(GemmTuning.OVERRIDE_PROPERTY);
            else System.setProperty(GemmTuning.OVERRIDE_PROPERTY, before);
        }
    }
}
