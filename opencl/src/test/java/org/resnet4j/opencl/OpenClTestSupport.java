package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * The one place that decides what an OpenCL test does without OpenCL. In CI ({@code CI=true}) the
 * suite must run on PoCL, so a missing platform fails the test; elsewhere the test is skipped with
 * the reason. The device is {@code -Dresnet4j.test.device} (default {@code opencl}).
 */
public final class OpenClTestSupport {
    private static OpenClBackend backend;
    private static RuntimeException unavailable;

    private OpenClTestSupport() {}

    public static synchronized OpenClBackend backendOrSkip() {
        if (backend == null && unavailable == null) {
            try {
                backend = OpenClBackend.select(System.getProperty("resnet4j.test.device", "opencl"));
            } catch (OpenClUnavailableException e) {
                unavailable = e;
            }
        }
        if (backend != null) return backend;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true requires an OpenCL platform (PoCL) but none is usable: " + unavailable.getMessage());
        }
        Assumptions.abort("skipping OpenCL test: " + unavailable.getMessage());
        throw unavailable; // not reached
    }

    /** Runs {@code body} with the backend's work-group target forced (small devices then split too), then restores the default. */
    public static void withWorkGroupTarget(OpenClBackend cl, long workGroups, Runnable body) {
        cl.setWorkGroupTarget(workGroups);
        try {
            body.run();
        } finally {
            cl.setWorkGroupTarget(0);
        }
    }
}
