package org.resnet4j.core.cpu;

import java.lang.System.Logger.Level;

/**
 * Chooses the kernels once per JVM: the Vector-API kernels when {@code jdk.incubator.vector} is
 * resolved in the boot layer, else the scalar ones with a single warning that says how to enable SIMD.
 * {@code VectorKernels} is only named as a string here, so a JVM without the module never links it.
 */
final class Simd {
    static final String ENABLE_HINT = "start the JVM with --add-modules jdk.incubator.vector";
    static final Kernels KERNELS = select();
    private Simd() {}

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
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
