package org.resnet4j.verify.opencl;

import static org.assertj.core.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;
import org.resnet4j.opencl.OpenClBackend;
import org.resnet4j.opencl.OpenClUnavailableException;

/**
 * The OpenCL device for verify's tests, with the project's CI rule: when {@code CI=true} a missing
 * OpenCL platform fails the test (CI installs PoCL); elsewhere the test is skipped with the reason.
 * The device is {@code -Dresnet4j.test.device} (default {@code opencl}).
 */
final class OpenClTestDevice {
    private static OpenClBackend backend;
    private static RuntimeException unavailable;

    private OpenClTestDevice() {}

    static synchronized OpenClBackend backendOrSkip() {
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
}
