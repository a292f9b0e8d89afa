package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceSelectionTest {
    static OpenClBackend cl;

    @BeforeAll
    static void setUp() {
        cl = OpenClTestSupport.backendOrSkip();
    }

    @Test
    void listsDevicesWithIndexNameAndType() {
        List<String> list = OpenClBackend.listDevices();
        assertThat(list).isNotEmpty();
        assertThat(list.get(0)).startsWith("opencl:0 ").contains(OpenClBackend.devices().get(0).deviceName());
        for (DeviceInfo d : OpenClBackend.devices()) assertThat(d.type()).matches("GPU|CPU|ACCELERATOR|OTHER|.*\\+.*");
    }

    @Test
    void specsByDefaultIndexAndNameResolveToTheSameInstance() {
        List<DeviceInfo> all = OpenClBackend.devices();
        OpenClBackend byIndex = OpenClBackend.select("opencl:" + cl.device().index());
        assertThat(byIndex).isSameAs(cl);
        String name = cl.device().deviceName();
        String fragment = name.substring(0, Math.min(6, name.length())).toUpperCase(java.util.Locale.ROOT);
        assertThat(OpenClBackend.select("opencl:" + fragment).device().deviceName()).containsIgnoringCase(fragment);
        DeviceInfo preferred = all.stream().filter(DeviceInfo::isGpu).findFirst().orElse(all.get(0));
        assertThat(OpenClBackend.select("opencl").device().index()).isEqualTo(preferred.index());
        assertThat(OpenClBackend.select(" OpenCL:" + cl.device().index() + " ")).isSameAs(cl);
    }

    @Test
    void systemPropertySelectsTheDevice() {
        String old = System.getProperty("resnet4j.device");
        try {
            System.setProperty("resnet4j.device", "opencl:" + cl.device().index());
            assertThat(OpenClBackend.fromSystemProperty()).isSameAs(cl);
            System.setProperty("resnet4j.device", "opencl:no-such-device-xyz");
            assertThatThrownBy(OpenClBackend::fromSystemProperty).hasMessageContaining("no-such-device-xyz");
        } finally {
            if (old == null) System.clearProperty("resnet4j.device");
            else System.setProperty("resnet4j.device", old);
        }
    }

    @Test
    void badSpecsListTheAvailableDevices() {
        String first = OpenClBackend.listDevices().get(0);
        assertThatThrownBy(() -> OpenClBackend.select("opencl:99"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no OpenCL device 99").hasMessageContaining(first);
        assertThatThrownBy(() -> OpenClBackend.select("opencl:quantum-abacus"))
                .hasMessageContaining("'quantum-abacus'").hasMessageContaining("available devices").hasMessageContaining(first);
        assertThatThrownBy(() -> OpenClBackend.select("cuda:0"))
                .hasMessageContaining("not an OpenCL spec").hasMessageContaining("opencl:N");
    }

    @Test
    void gemmTuningComesFromTheTable() {
        GemmTuning t = cl.gemmTuning();
        assertThat(t.workGroupSize()).isLessThanOrEqualTo((int) cl.device().maxWorkGroupSize());
        assertThat(GemmTuning.forDevice("GPU", "NVIDIA Corporation", "NVIDIA H100", 1024)).isEqualTo(GemmTuning.NVIDIA_GPU);
        assertThat(GemmTuning.forDevice("CPU", "AuthenticAMD", "pthread", 4096)).isEqualTo(GemmTuning.CPU);
        assertThat(GemmTuning.forDevice("ACCELERATOR", "Acme", "x", 4096)).isEqualTo(GemmTuning.DEFAULT);
        // a device smaller than the entry assumes gets the safe default
        assertThat(GemmTuning.forDevice("GPU", "NVIDIA", "tiny", 64)).isEqualTo(GemmTuning.DEFAULT);
        assertThatThrownBy(() -> new GemmTuning("bad", 30, 32, 8, 4, 4)).hasMessageContaining("multiples of 4");
    }

    /** A JVM whose ICD loader sees no vendor files behaves like a machine without any OpenCL driver. */
    @Test
    void noPlatformGivesInstallAdvice(@TempDir Path emptyVendors) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "--enable-native-access=ALL-UNNAMED", NoPlatformProbe.class.getName());
        pb.environment().put("OCL_ICD_VENDORS", emptyVendors.toString());
        pb.environment().put("OPENCL_VENDOR_PATH", emptyVendors.toString());
        pb.redirectErrorStream(true);
        File out = emptyVendors.resolve("out.txt").toFile();
        pb.redirectOutput(out);
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = Files.readString(out.toPath(), StandardCharsets.UTF_8);
        if (text.contains("UNEXPECTED") && !"true".equalsIgnoreCase(System.getenv("CI"))) {
            // Debian's ocl-icd (CI's loader) obeys OCL_ICD_VENDORS; some vendors' loaders read /etc/OpenCL/vendors regardless
            Assumptions.abort("this machine's OpenCL ICD loader ignores OCL_ICD_VENDORS, so a machine without drivers cannot be simulated");
        }
        assertThat(text).contains("OpenClUnavailableException").contains("apt-get install pocl-opencl-icd ocl-icd-opencl-dev");
    }

    /** Entry point of the child JVM above. */
    public static final class NoPlatformProbe {
        public static void main(String[] args) {
            try {
                OpenClBackend.select("opencl");
                System.out.println("UNEXPECTED: a platform was found");
            } catch (OpenClUnavailableException e) {
                System.out.println("OpenClUnavailableException: " + e.getMessage());
            }
        }
    }
}
