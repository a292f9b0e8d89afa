package org.resnet4j.opencl;

/**
 * Host-device traffic of one backend since its last reset: how many transfers each way and how many
 * bytes they moved. Tests use it to prove that a training step keeps its tensors on the device.
 */
public record TransferStats(long hostToDeviceCount, long hostToDeviceBytes, long deviceToHostCount, long deviceToHostBytes) {
    public long count() {
        return hostToDeviceCount + deviceToHostCount;
    }

    public long bytes() {
        return hostToDeviceBytes + deviceToHostBytes;
    }

    @Override
    public String toString() {
        return "host->device " + hostToDeviceCount + " transfers / " + hostToDeviceBytes + " bytes, device->host "
                + deviceToHostCount + " transfers / " + deviceToHostBytes + " bytes";
    }
}
