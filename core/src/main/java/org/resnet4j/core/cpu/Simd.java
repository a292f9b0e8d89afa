package org.resnet4j.core.cpu;

import java.lang.System.Logger.Level;

/**
 * Chooses the kernels once per JVM: the Vector-API kernels when {@code jdk.incubator.vector} is
 * resolved in the boot layer, else the scalar ones with a single warning that says how to enable SIMD.
 * {@code VectorKernels} and {@code VectorDirectConv} are only named as strings here, so a JVM without the
 * module never links them.
 */
final class Simd {
    static final String ENABLE_HINT = "start the JVM with --add-modules jdk.incubator.vector";
    static final Kernels KERNELS = select();
    /**
     * The direct stride-1 convolution kernels, present exactly when {@link #KERNELS} are the Vector-API
     * ones (null with the scalar fallback, which keeps the im2col GEMM path).
     */
    static final DirectConv DIRECT = selectDirect();

    private Simd() {}

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    private static DirectConv selectDirect() {
        if (KERNELS.getClass() == Kernels.class) return null;
        try {
            return (DirectConv) Class.forName("org.resnet4j.core.cpu.VectorDirectConv").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            System.getLogger("org.resnet4j.core.cpu").log(Level.WARNING,
                    "resnet4j: the direct convolution kernels could not be loaded (" + e + "), so convolutions run as "
                            + "im2col GEMMs.");
            return null;
        }
    }

    private static Kernels select() {
        if (!vectorModulePresent()) {
            System.getLogger("org.resnet4j.core.cpu").log(Level.WARNING,
                    "resnet4j: the Vector API (module jdk.incubator.vector) is not available, so the CPU backend runs "
                            + "its scalar kernels (much slower). To enable SIMD, " + ENABLE_HINT + ".");
            return new Kernels();
        }
        try {
            return (Kernels) Class.forName("org.resnet4j.core.cpu.VectorKernels").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            System.getLogger("org.resnet4j.core.cpu").log(Level.WARNING,
                    "resnet4j: the Vector-API kernels could not be loaded (" + e + "), so the CPU backend runs its "
                            + "scalar kernels. To enable SIMD, " + ENABLE_HINT + ".");
            return new Kernels();
        }
    }
}
