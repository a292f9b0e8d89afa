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
        if (!kernelName.equals(LOCAL_TILES) && !kernelName.equals(DOUBLE_BUFFERED) && !kernelName.equals(DIRECT)
                && !kernelName.equals(VEC8)) {
            throw new IllegalArgumentException("unknown SGEMM kernel " + kernelName + " in tiling " + label + "; the kernels are "
                    + String.join(", ", LOCAL_TILES, DOUBLE_BUFFERED, DIRECT, VEC8));
        }
        if (kernelName.equals(VEC8) && wptN != 8) {
            throw new IllegalArgumentException("tiling " + label + ": the float8 kernel needs 8 columns per work-item, got " + wptN);
        }
        if (kernelName.equals(DOUBLE_BUFFERED) && (wptM % 4 != 0 || wptN % 4 != 0)) {
            throw new IllegalArgumentException("tiling " + label + ": the double-buffered kernel reads runs of 4 rows and columns, got "
                    + wptM + "x" + wptN + " per work-item");
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
    /**
     * Local tiles in two buffers (the next K step loads while this one multiplies) and float4 reads of them: for
     * GPUs, where {@link #LOCAL_TILES} with small register blocks waits on local memory. Needs wptM, wptN multiples of 4.
     */
    public static final String DOUBLE_BUFFERED = "sgemm_db";
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

    /**
     * The kernel for a product whose B is read in groups (a convolution's dy in NCHW): the double-buffered kernel has a
     * twin compiled for it, so that the plain one carries none of the group arithmetic; the others take groups as they come.
     */
    public String groupedKernelName() {
        return kernelName.equals(DOUBLE_BUFFERED) ? DOUBLE_BUFFERED + "_grouped" : kernelName;
    }

    /** Build options that define the kernel's tile macros. */
    public String buildOptions() {
        return "-DTS_M=" + tileM + " -DTS_N=" + tileN + " -DTS_K=" + tileK + " -DWPT_M=" + wptM + " -DWPT_N=" + wptN;
    }

    // GemmTuner on an H100 (OpenCL through CUDA 580), one sitting: ResNet-50's twelve GEMM shapes at N = 32 take 4.02 ms
    // with the double-buffered kernel and 4x8 blocks, 4.35 ms with the plain local tiles 64x64x16/4x4 used before and
    // 4.64 ms with double buffering but 4x4 blocks; 4096^3 22.3 vs 17.4 TFLOP/s. 128x128x16/8x8 reaches 26.3 TFLOP/s at
    // 4096^3 but is slower on the model's shapes (too few tiles). Device time of a ResNet-50 training step (N = 32)
    // 93.6 -> 84.4 ms, inference 26.6 -> 23.9 ms.
    static final GemmTuning NVIDIA_GPU = new GemmTuning("nvidia-gpu", 64, 64, 16, 4, 8, DOUBLE_BUFFERED);
    static final GemmTuning AMD_GPU = new GemmTuning("amd-gpu", 64, 64, 16, 4, 4);
    static final GemmTuning INTEL_GPU = new GemmTuning("intel-gpu", 32, 32, 16, 4, 4);
    // GemmTuner on PoCL, 2 cores shared with other jobs (load 12-15, so +-40%): float8 rows with an 8x8
    // block per work-item 5.7-8.8 GFLOP/s at 1024^3; 4x8 blocks 4.0-5.8; local tiles 1.9-4.4; direct 1.5-2.9
    static final GemmTuning CPU = new GemmTuning("cpu", 64, 64, 4, 8, 8, VEC8);
    static final GemmTuning DEFAULT = new GemmTuning("default", 32, 32, 8, 4, 4);

    /** The system property that replaces the table's tiling, in {@link #parse}'s form (what {@link GemmTuner} measures). */
    public static final String OVERRIDE_PROPERTY = "resnet4j.opencl.gemmTiling";

    /**
     * A tiling written {@code MxNxK/WMxWN} or {@code MxNxK/WMxWN:kernel} (kernel one of sgemm, sgemm_db, sgemm_direct,
     * sgemm_vec8; default sgemm), e.g. {@code 128x128x16/8x8:sgemm_db}: tile sizes, then each work-item's block.
     */
    public static GemmTuning parse(String spec) {
        var m = java.util.regex.Pattern.compile("(\\d+)x(\\d+)x(\\d+)/(\\d+)x(\\d+)(?::(\\w+))?").matcher(spec.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("SGEMM tiling '" + spec + "' is not of the form MxNxK/WMxWN[:kernel], e.g. 128x128x16/8x8:"
                    + DOUBLE_BUFFERED + " (GemmTuner prints the tilings it measures)");
        }
        int[] v = new int[5];
        for (int i = 0; i < 5; i++) v[i] = Integer.parseInt(m.group(i + 1));
        String kernel = m.group(6) != null ? m.group(6) : LOCAL_TILES;
        return new GemmTuning(spec.trim(), v[0], v[1], v[2], v[3], v[4], kernel);
    }

    /**
     * The tiling a device uses: {@link #parse} of {@value #OVERRIDE_PROPERTY} when that is set (it must fit the device's
     * work-groups), otherwise {@link #forDevice}.
     */
    static GemmTuning chosen(String type, String vendor, String deviceName, long maxWorkGroupSize) {
        String override = System.getProperty(OVERRIDE_PROPERTY);
        if (override == null || override.isBlank()) return forDevice(type, vendor, deviceName, maxWorkGroupSize);
        GemmTuning t = parse(override);
        if (t.workGroupSize() > maxWorkGroupSize) {
            throw new IllegalArgumentException("-D" + OVERRIDE_PROPERTY + "=" + override + " needs work-groups of " + t.workGroupSize()
                    + " work-items but " + deviceName + " allows " + maxWorkGroupSize + ": choose smaller tiles or larger blocks");
        }
        return t;
    }

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
