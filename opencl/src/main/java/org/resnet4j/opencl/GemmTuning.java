package org.resnet4j.opencl;

import java.util.Locale;

/**
 * SGEMM tile sizes per kind of device: a work-group computes a tileM x tileN block of C in steps of
 * tileK, each work-item a wptM x wptN register block. A small table keyed by device type and vendor;
 * unknown devices get a conservative default that fits every OpenCL 1.2 device (64 work-items,
 * 2 KiB of local memory).
 */
public record GemmTuning(String label, int tileM, int tileN, int tileK, int wptM, int wptN, String kernelName) {

    public GemmTuning {
        if (!kernelName.equals(LOCAL_TILES) && !kernelName.equals(DIRECT) && !kernelName.equals(VEC8)) {
            throw new IllegalArgumentException("unknown SGEMM kernel " + kernelName + " in tiling " + label);
        }
        if (kernelName.equals(VEC8) && wptN != 8) {
            throw new IllegalArgumentException("tiling " + label + ": the float8 kernel needs 8 columns per work-item, got " + wptN);
        }
        if (tileM % wptM != 0 || tileN % wptN != 0 || tileM % 4 != 0 || tileN % 4 != 0 || tileK % 4 != 0) {
            throw new IllegalArgumentException("inconsistent SGEMM tiling " + label + ": tiles " + tileM + "x" + tileN + "x" + tileK
                    + " must be multiples of 4 and of the per-item block " + wptM + "x" + wptN);
        }
    }

    /** The local-memory tiled kernel. */
    public GemmTuning(String label, int tileM, int tileN, int tileK, int wptM, int wptN) {
        this(label, tileM, tileN, tileK, wptM, wptN, LOCAL_TILES);
    }

    /** Local-memory tiles, for GPUs: the staged tiles are reused by a whole work-group. */
    public static final String LOCAL_TILES = "sgemm";
    /** Streaming from global memory, each work-item's block in registers: caches do the tiling. */
    public static final String DIRECT = "sgemm_direct";
    /** DIRECT with explicit float8 rows of B (wptN must be 8): for CPUs, where a work-item is a SIMD loop body. */
    public static final String VEC8 = "sgemm_vec8";

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
    // GemmTuner on PoCL, 2 cores shared with other jobs (load 12-15, so +-40%): float8 rows with an 8x8
    // block per work-item 5.7-8.8 GFLOP/s at 1024^3; 4x8 blocks 4.0-5.8; local tiles 1.9-4.4; direct 1.5-2.9
    static final GemmTuning CPU = new GemmTuning("cpu", 64, 64, 4, 8, 8, VEC8);
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
