package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;

class KernelProfilerTest {
    @Test
    void aProfiledBackendCountsEveryKernelAndItsDeviceTime() {
        OpenClBackend shared = OpenClTestSupport.backendOrSkip();
        OpenClDevices.Found found = OpenClDevices.enumerate().get(shared.device().index());
        System.setProperty("resnet4j.opencl.profile", "true");
        OpenClBackend profiled;
        try {
            profiled = new OpenClBackend(found, ProgramCache.fromSystemProperties());
        } finally {
            System.clearProperty("resnet4j.opencl.profile");
        }
        float[] ones = new float[4096];
        java.util.Arrays.fill(ones, 1f);
        Tensor a = profiled.fromFloats(ones, 4096), b = profiled.fromFloats(ones, 4096), out = profiled.empty(4096);
        profiled.resetKernelProfile();
        for (int i = 0; i < 5; i++) profiled.add(a, b, out);
        profiled.relu(out, out);
        List<KernelProfiler.Entry> entries = profiled.kernelProfile();
        Map<String, Long> calls = entries.stream().collect(Collectors.toMap(KernelProfiler.Entry::kernel, KernelProfiler.Entry::calls));
        // the ReLU in place on the last sum's output is folded into that sum's launch
        assertThat(calls).containsExactlyInAnyOrderEntriesOf(Map.of("add_f", 4L, "add_f + relu", 1L));
        assertThat(entries.stream().mapToLong(KernelProfiler.Entry::nanos).sum()).as("device nanoseconds").isPositive();
        assertThat(entries.get(0).nanos()).as("largest total first").isGreaterThanOrEqualTo(entries.get(1).nanos());
        assertThat(out.toFloats()[4095]).isEqualTo(2f);

        profiled.resetKernelProfile();
        assertThat(profiled.kernelProfile()).isEmpty();
        // a backend made without the property keeps no profile
        shared.add(shared.fromFloats(ones, 4096), shared.fromFloats(ones, 4096), shared.empty(4096));
        assertThat(shared.kernelProfile()).isEmpty();
    }
}
