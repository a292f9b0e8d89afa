package org.resnet4j.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Keeps the JVM's own handlers of SIGSEGV, SIGBUS and SIGILL installed while PoCL is in the process.
 *
 * <p>Why: PoCL's LLVM (libLLVM-15 under Debian's pocl 3.1) installs its crash handler for those signals when PoCL
 * creates a context and again at every program it compiles from source, with {@code SA_RESETHAND}. The JVM takes
 * SIGSEGV as a matter of course (every safepoint poll of a thread in compiled code, implicit null checks), so the next
 * safepoint reaches LLVM's handler; the kernel has already reset the disposition to the default, and a second thread
 * faulting before LLVM puts the JVM's handler back kills the process: SIGSEGV, exit status 139, no hs_err file. That
 * was the test JVM dying at the start of ConvKernelGpuTilingTest (the first program built from source with new build
 * options, while the CPU backend's worker threads ran compiled loops). Measured on the AMD host, PoCL 3.1 + LLVM 15:
 * after {@code clCreateContext} and after each {@code clBuildProgram} from source the SIGSEGV handler lies in
 * libLLVM-15.so.1 (flags SA_RESETHAND|SA_NODEFER|SA_ONSTACK); a program that builds 50 fresh programs with four threads
 * spinning in compiled code and a {@code System.gc()} after each build died of SIGSEGV in 3 of 3 and 3 of 4 runs, and
 * survived 3 of 3 with the JDK's signal chaining library preloaded.
 *
 * <p>The complete cure is that library: {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so} (the test JVMs and
 * {@code ./resnet4j} set it), which keeps the JVM's handlers in place and hands LLVM only the signals the JVM does
 * not handle. Without it, this class narrows the danger to the compilations themselves: the backend calls
 * {@link #restoreIfReplaced()} after creating its context and after building a program, and it puts back what the
 * kernel held for those signals when this class was loaded, before any OpenCL call, if that was the JVM's handler.
 * It reads and writes the kernel's disposition with the raw {@code rt_sigaction} system call, under libjsig's
 * bookkeeping (through which LLVM's handler would be reported although the kernel never got it). Linux on x86-64 and
 * AArch64 only; elsewhere it does nothing.
 */
final class JvmSignalHandlers {
    private static final int SIGILL = 4, SIGBUS = 7, SIGSEGV = 11;
    static final int[] SIGNALS = {SIGSEGV, SIGBUS, SIGILL};
    /** The kernel's struct sigaction: handler, flags, restorer, 8-byte mask on x86-64 (AArch64: no restorer). */
    private static final int KERNEL_SIGACTION_BYTES = 32, KERNEL_SIGSET_BYTES = 8;

    private static final Native NATIVE = Native.forThisPlatform();
    /** What the kernel held for each of {@link #SIGNALS} before any OpenCL call, or null when that was not the JVM's. */
    private static final byte[][] JVM_ACTIONS = capture();
    private static volatile boolean reported;

    private JvmSignalHandlers() {}

    /** Loads the class, and so takes the snapshot: call before the first OpenCL call. */
    static void captureBeforeOpenCl() {}

    /** The shared library that holds the current kernel-level handler of {@code signal}, or null where that is not known. */
    static String handlerLibrary(int signal) {
        if (NATIVE == null) return null;
        byte[] action = NATIVE.kernelAction(signal);
        return action == null ? null : NATIVE.libraryOf(handlerAddress(action));
    }

    /** Whether this platform's handlers can be read (Linux on x86-64 or AArch64). */
    static boolean supported() {
        return NATIVE != null;
    }

    /** Puts back the JVM's handler of each of {@link #SIGNALS} that another library replaced; says so once on stderr. */
    static void restoreIfReplaced() {
        if (NATIVE == null || JVM_ACTIONS == null) return;
        for (int i = 0; i < SIGNALS.length; i++) {
            byte[] now = NATIVE.kernelAction(SIGNALS[i]);
            if (now == null || handlerAddress(now) == handlerAddress(JVM_ACTIONS[i])) continue;
            String by = NATIVE.libraryOf(handlerAddress(now));
            NATIVE.setKernelAction(SIGNALS[i], JVM_ACTIONS[i]);
            if (!reported) {
                reported = true;
                System.err.println("resnet4j: the OpenCL driver (" + (by == null ? "unknown library" : by) + ") replaced the JVM's "
                        + "SIGSEGV/SIGBUS/SIGILL handlers, which can kill the JVM without an hs_err file; they are put back after each "
                        + "OpenCL program build. To keep them in place during builds too, start java with "
                        + "LD_PRELOAD=$JAVA_HOME/lib/libjsig.so (./resnet4j does)");
            }
        }
    }

    private static byte[][] capture() {
        if (NATIVE == null) return null;
        byte[][] out = new byte[SIGNALS.length][];
        for (int i = 0; i < SIGNALS.length; i++) {
            out[i] = NATIVE.kernelAction(SIGNALS[i]);
            String lib = out[i] == null ? null : NATIVE.libraryOf(handlerAddress(out[i]));
            if (lib == null || !lib.contains("libjvm")) return null; // not the JVM's to protect (already replaced, or -Xrs)
        }
        return out;
    }

    private static long handlerAddress(byte[] action) {
        return MemorySegment.ofArray(action).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    }

    /** The two calls this needs: rt_sigaction through syscall(2), and dladdr(3). */
    private record Native(long sysRtSigaction, MethodHandle syscall, MethodHandle dladdr) {
        static Native forThisPlatform() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch", "");
            long nr = arch.equals("amd64") || arch.equals("x86_64") ? 13 : arch.equals("aarch64") ? 134 : -1;
            if (!os.contains("linux") || nr < 0) return null;
            try {
                Linker linker = Linker.nativeLinker();
                var libc = linker.defaultLookup();
                MethodHandle syscall = linker.downcallHandle(libc.find("syscall").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                        Linker.Option.firstVariadicArg(1));
                MethodHandle dladdr = linker.downcallHandle(libc.find("dladdr").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                return new Native(nr, syscall, dladdr);
            } catch (RuntimeException | LinkageError e) {
                return null; // no native access (--enable-native-access not given, or a libc without these symbols)
            }
        }

        byte[] kernelAction(int signal) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment old = arena.allocate(KERNEL_SIGACTION_BYTES, 8);
                long rc = (long) syscall.invokeExact(sysRtSigaction, (long) signal, MemorySegment.NULL, old, (long) KERNEL_SIGSET_BYTES);
                return rc == 0 ? old.toArray(ValueLayout.JAVA_BYTE) : null;
            } catch (Throwable t) {
                return null;
            }
        }

        void setKernelAction(int signal, byte[] action) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment act = arena.allocate(KERNEL_SIGACTION_BYTES, 8);
                act.copyFrom(MemorySegment.ofArray(action));
                long ignored = (long) syscall.invokeExact(sysRtSigaction, (long) signal, act, MemorySegment.NULL, (long) KERNEL_SIGSET_BYTES);
            } catch (Throwable t) {
                // left as it is: the warning printed by the caller says how to avoid the problem altogether
            }
        }

        String libraryOf(long address) {
            if (address == 0 || address == 1) return null; // SIG_DFL, SIG_IGN
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment info = arena.allocate(32, 8); // Dl_info: dli_fname, dli_fbase, dli_sname, dli_saddr
                int ok = (int) dladdr.invokeExact(MemorySegment.ofAddress(address), info);
                if (ok == 0) return null;
                MemorySegment name = info.get(ValueLayout.ADDRESS, 0);
                return name.equals(MemorySegment.NULL) ? null : name.reinterpret(4096).getString(0);
            } catch (Throwable t) {
                return null;
            }
        }
    }
}
