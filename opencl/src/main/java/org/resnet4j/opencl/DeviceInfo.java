package org.resnet4j.opencl;

/**
 * One OpenCL device as the platforms report it. {@code index} is its position in
 * {@link OpenClBackend#listDevices()} order (platforms in order, their devices in order), the N of
 * {@code opencl:N}.
 */
public record DeviceInfo(int index, String platformName, String platformVersion, String deviceName, String vendor,
                         String type, String deviceVersion, String driverVersion, int computeUnits,
                         long globalMemBytes, long maxWorkGroupSize, boolean fp64) {

    public boolean isGpu() {
        return type.contains("GPU");
    }

    /** One line for listings and error messages. */
    public String description() {
        return String.format("opencl:%d  %s  [%s, %s]  %s, %d compute units, %d MiB, driver %s",
                index, deviceName, platformName, type, deviceVersion, computeUnits, globalMemBytes >> 20, driverVersion);
    }

    @Override
    public String toString() {
        return description();
    }
}
