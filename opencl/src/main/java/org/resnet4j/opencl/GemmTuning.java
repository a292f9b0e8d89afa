package org.resnet4j.opencl;

import java.util.Locale;

/**
 * SGEMM tile sizes per kind of device: a work-group computes a tileM x tileN block of C in steps of
 * tileK, each work-item a wptM x wptN register block. A small table keyed by device type and vendor;
 * unknown devices get a conservative default that fits every OpenCL 1.2 device (64 work-items,
 * 2 KiB of local memory).
 */
public record GemmTuning(String label, int tileM, int tileN, int tileK, int wptM, int wptN) {

    public GemmTuning {
        if (tileM % wptM != 0 || tileN % wptN != 0 || tileM % 4 != 0 || tileN % 4 != 0 || tileK % 4 != 0) {
            throw new IllegalArgumentException("inconsistent SGEMM tiling " + label + ": tiles " + tileM + "x" + tileN + "x" + tileK
                    + " must be multiples of 4 and of the per-item block " + wptM + "x" + wptN);
        }
    }

    public int workGroupM() {
        return tileM / wptM;
    }

    public int workGroupN() {
        return tileN / wptN;
    }

    public int workGroupSize() {
        return workGroupM() * workGroupN();
    }

    /** Build options that define the kernel's tile macros. */
    public String buildOptions() {
        return "-DTS_M=" + tileM + " -DTS_N=" + tileN + " -DTS_K=" + tileK + " -DWPT_M=" + wptM + " -DWPT_N=" + wptN;
    }

    static final GemmTuning NVIDIA_GPU = new GemmTuning("nvidia-gpu", 64, 64, 16, 4, 4);
    static final GemmTuning AMD_GPU = new GemmTuning("amd-gpu", 64, 64, 16, 4, 4);
    static final GemmTuning INTEL_GPU = new GemmTuning("intel-gpu", 32, 32, 16, 4, 4);
    static final GemmTuning CPU = new GemmTuning("cpu", 64, 64, 16, 8, 8);
    static final GemmTuning DEFAULT = new GemmTuning("default", 32, 32, 8, 4, 4);

    /** The table lookup; {@code maxWorkGroupSize} guards against devices smaller than an entry assumes. */
    public static GemmTuning forDevice(String type, String vendor, String deviceName, long maxWorkGroupSize) {
        String v = (vendor + " " + deviceName).toLowerCase(Locale.ROOT);
        GemmTuning t;
        if (type.contains("GPU")) {
            if (v.contains("nvidia")) t = NVIDIA_GPU;
            else if (v.contains("amd") || v.contains("advanced micro")) t = AMD_GPU;
            else if (v.contains("intel")) t = INTEL_GPU;
            else t = DEFAULT;
        } else if (type.contains("CPU")) {
            t = CPU;
        } else {
            t = DEFAULT;
        }
        return t.workGroupSize() <= maxWorkGroupSize ? t : DEFAULT;
    }
}
