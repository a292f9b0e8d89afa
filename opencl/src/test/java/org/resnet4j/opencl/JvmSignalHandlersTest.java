package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The JVM keeps its own SIGSEGV, SIGBUS and SIGILL handlers after the OpenCL driver creates a context, compiles a
 * program from source and runs a kernel it has not run before: on PoCL, LLVM takes them at each of those otherwise,
 * and the JVM then dies of SIGSEGV, without an hs_err file, at a safepoint (see {@link JvmSignalHandlers}). Test JVMs
 * preload libjsig; without it (or with it and without the backend's restore) this fails on PoCL.
 */
class JvmSignalHandlersTest {
    @Test
    void theJvmKeepsItsCrashHandlersThroughContextsBuildsAndLaunches() {
        OpenClBackend device = OpenClTestSupport.backendOrSkip();
        assertThat(JvmSignalHandlers.supported()).as("Linux on x86-64 or AArch64 with native access").isTrue();
        assertHandlersAreTheJvms("before");

        // a context of its own and a program no cache holds: the source differs from every earlier build
        OpenClBackend fresh = OpenClBackend.withTiling(device, device.gemmTuning());
        String source = "__kernel void bump(__global float* x) { x[get_global_id(0)] += " + System.nanoTime() + ".0f; }";
        var found = OpenClDevices.enumerate().get(device.device().index());
        var built = new ProgramCache(null).build(fresh.context(), found.device(), found.info(), source, "");
        assertThat(built.origin()).isEqualTo(ProgramCache.Origin.SOURCE);
        assertHandlersAreTheJvms("after building a program from source");

        // a kernel launch PoCL compiles at enqueue (its work-group function), then a result read back
        var x = fresh.fromFloats(new float[] {1, 2, 3}, 3);
        var y = fresh.zeros(3);
        fresh.add(x, x, y);
        assertThat(fresh.toFloats(y)).containsExactly(2, 4, 6);
        assertHandlersAreTheJvms("after a kernel's first launch");
        org.jocl.CL.clReleaseProgram(built.program());
    }

    private static void assertHandlersAreTheJvms(String when) {
        for (int signal : JvmSignalHandlers.SIGNALS) {
            assertThat(JvmSignalHandlers.handlerLibrary(signal)).as("library of the handler of signal %d %s", signal, when)
                    .contains("libjvm");
        }
    }
}
