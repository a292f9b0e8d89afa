package org.resnet4j.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every convolution test of {@link ConvKernelTest} again on a backend that multiplies with the NVIDIA table entry (the
 * double-buffered kernel) instead of this device's own: its reads of dy straight from NCHW, its transposed weight-
 * gradient stores and its split-K slices then run here too, not only on a GPU.
 */
class ConvKernelGpuTilingTest extends ConvKernelTest {
    private static OpenClBackend ownTiling;

    @BeforeAll
    static void useGpuTiling() {
        ownTiling = cl;
        cl = OpenClBackend.withTiling(cl, GemmTuning.NVIDIA_GPU);
        org.assertj.core.api.Assertions.assertThat(cl.gemmTuning()).isEqualTo(GemmTuning.NVIDIA_GPU);
    }

    @AfterAll
    static void restore() {
        cl = ownTiling;
    }
}
