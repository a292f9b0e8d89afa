package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jocl.CL.clReleaseProgram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk program cache, exercised with a one-kernel program (the real one builds in the same way). */
class ProgramCacheTest {
    static OpenClBackend cl;
    static OpenClDevices.Found found;
    static final String SOURCE = "__kernel void twice(__global float* x) { int i = get_global_id(0); x[i] *= 2.0f; }\n";

    @BeforeAll
    static void setUp() {
        cl = OpenClTestSupport.backendOrSkip();
        List<OpenClDevices.Found> all = OpenClDevices.enumerate();
        found = all.get(cl.device().index());
    }

    private ProgramCache.Built build(ProgramCache cache, String source) {
        return cache.build(cl.context(), found.device(), found.info(), source, "");
    }

    @Test
    void secondBuildComesFromTheCacheAndACorruptEntryIsRebuilt(@TempDir Path dir) throws Exception {
        ProgramCache cache = new ProgramCache(dir);
        ProgramCache.Built first = build(cache, SOURCE);
        assertThat(first.origin()).isEqualTo(ProgramCache.Origin.SOURCE);
        assertThat(first.entry()).exists();
        clReleaseProgram(first.program());

        ProgramCache.Built second = build(cache, SOURCE);
        assertThat(second.origin()).isEqualTo(ProgramCache.Origin.CACHE);
        clReleaseProgram(second.program());

        // flip a byte in the middle: the checksum no longer matches, the entry is ignored and rewritten
        byte[] bytes = Files.readAllBytes(first.entry());
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(first.entry(), bytes);
        ProgramCache.Built third = build(cache, SOURCE);
        assertThat(third.origin()).isEqualTo(ProgramCache.Origin.SOURCE);
        assertThat(ProgramCache.readEntry(first.entry())).isNotNull();
        clReleaseProgram(third.program());

        // truncated
        Files.write(first.entry(), new byte[] {1, 2, 3});
        ProgramCache.Built fourth = build(cache, SOURCE);
        assertThat(fourth.origin()).isEqualTo(ProgramCache.Origin.SOURCE);
        clReleaseProgram(fourth.program());
        try (var files = Files.list(dir)) {
            assertThat(files.filter(f -> f.toString().endsWith(".tmp"))).isEmpty();
        }
    }

    @Test
    void keyChangesWithSourceOptionsAndDriver() {
        DeviceInfo i = found.info();
        DeviceInfo otherDriver = new DeviceInfo(i.index(), i.platformName(), i.platformVersion(), i.deviceName(), i.vendor(),
                i.type(), i.deviceVersion(), i.driverVersion() + "-new", i.computeUnits(), i.globalMemBytes(),
                i.maxWorkGroupSize(), i.fp64());
        String k = ProgramCache.key(i, "", SOURCE);
        assertThat(ProgramCache.key(i, "", SOURCE)).isEqualTo(k);
        assertThat(ProgramCache.key(i, "-DX=1", SOURCE)).isNotEqualTo(k);
        assertThat(ProgramCache.key(i, "", SOURCE + " ")).isNotEqualTo(k);
        assertThat(ProgramCache.key(otherDriver, "", SOURCE)).isNotEqualTo(k);
    }

    @Test
    void buildFailureCarriesTheBuildLog(@TempDir Path dir) {
        String broken = "__kernel void broken(__global float* x) { x[0] = undeclared_thing; }\n";
        assertThatThrownBy(() -> build(new ProgramCache(dir), broken))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("build log")
                .hasMessageContaining("undeclared_thing");
    }

    @Test
    void theBackendsProgramIsCachedOnDisk() {
        ProgramCache cache = ProgramCache.fromSystemProperties();
        if (cache.dir() == null) return; // caching switched off for this run
        try (var files = Files.list(cache.dir())) {
            assertThat(files.filter(f -> f.getFileName().toString().endsWith(".bin"))).isNotEmpty();
        } catch (java.io.IOException e) {
            throw new AssertionError("cache folder " + cache.dir() + " unreadable", e);
        }
    }
}
