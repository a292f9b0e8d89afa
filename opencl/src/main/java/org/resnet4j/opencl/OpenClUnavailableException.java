package org.resnet4j.opencl;

/** No usable OpenCL: the ICD loader is missing, no platform is installed, or no device matches. */
public final class OpenClUnavailableException extends RuntimeException {
    public OpenClUnavailableException(String message) {
        super(message);
    }

    public OpenClUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
