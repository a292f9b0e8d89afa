package org.resnet4j.opencl;

import static org.jocl.CL.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/**
 * Builds the kernel program once per device and keeps the compiled binary on disk, so later runs
 * skip the (slow, on PoCL) compiler. An entry is keyed by a hash of the device name, vendor, driver
 * and platform versions, the build options and the source; it holds a checksum of the binary, and an
 * entry that is truncated, corrupt or refused by the driver is ignored and rebuilt.
 *
 * <p>Folder: {@code -Dresnet4j.opencl.cache=DIR}, else {@code $XDG_CACHE_HOME/resnet4j/opencl}, else
 * {@code ~/.cache/resnet4j/opencl}. {@code -Dresnet4j.opencl.cache=off} disables it.
 */
final class ProgramCache {
    private static final byte[] MAGIC = "R4JCLBIN1".getBytes(StandardCharsets.US_ASCII);

    /** How the last {@link #build} got its program, for tests and logs. */
    enum Origin { CACHE, SOURCE }

    record Built(cl_program program, Origin origin, Path entry) {}

    private final Path dir;

    ProgramCache(Path dir) {
        this.dir = dir;
    }

    static ProgramCache fromSystemProperties() {
        String prop = System.getProperty("resnet4j.opencl.cache");
        if (prop != null && prop.equalsIgnoreCase("off")) return new ProgramCache(null);
        if (prop != null && !prop.isBlank()) return new ProgramCache(Path.of(prop));
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new ProgramCache(base.resolve("resnet4j").resolve("opencl"));
    }

    Path dir() {
        return dir;
    }

    static String loadSources(String... names) {
        StringBuilder sb = new StringBuilder();
        for (String name : names) {
            try (InputStream in = ProgramCache.class.getResourceAsStream(name)) {
                if (in == null) throw new IllegalStateException("kernel source " + name + " is missing from the resnet4j-opencl jar");
                sb.append("// ---- ").append(name).append('\n');
                sb.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
            } catch (IOException e) {
                throw new IllegalStateException("cannot read kernel source " + name + ": " + e.getMessage(), e);
            }
        }
        return sb.toString();
    }

    static String key(DeviceInfo info, String options, String source) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String s : new String[] {info.platformName(), info.platformVersion(), info.deviceName(), info.vendor(),
                    info.deviceVersion(), info.driverVersion(), options, source}) {
                md.update(s.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Built build(cl_context context, cl_device_id device, DeviceInfo info, String source, String options) {
        try {
            return buildOrLoad(context, device, info, source, options);
        } finally {
            JvmSignalHandlers.restoreIfReplaced(); // PoCL's LLVM takes the JVM's crash handlers at each build (see JvmSignalHandlers)
        }
    }

    private Built buildOrLoad(cl_context context, cl_device_id device, DeviceInfo info, String source, String options) {
        Path entry = dir == null ? null : dir.resolve(safe(info.deviceName()) + "-" + key(info, options, source) + ".bin");
        if (entry != null) {
            byte[] binary = readEntry(entry);
            if (binary != null) {
                cl_program p = fromBinary(context, device, binary, options);
                if (p != null) return new Built(p, Origin.CACHE, entry);
            }
        }
        cl_program p = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            clBuildProgram(p, 1, new cl_device_id[] {device}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(p, device);
            clReleaseProgram(p);
            throw new IllegalStateException("building the resnet4j OpenCL kernels for " + info.deviceName() + " failed ("
                    + e.getMessage() + ") with options '" + options + "'; build log:\n" + log, e);
        }
        if (entry != null) writeEntry(entry, binaryOf(p));
        return new Built(p, Origin.SOURCE, entry);
    }

    private static String safe(String s) {
        String t = s.replaceAll("[^A-Za-z0-9._-]+", "_");
        return t.length() > 40 ? t.substring(0, 40) : t;
    }

    /** The binary of a cache entry, or null when it is absent, truncated or fails its checksum. */
    static byte[] readEntry(Path entry) {
        try {
            if (!Files.isRegularFile(entry)) return null;
            byte[] all = Files.readAllBytes(entry);
            int head = MAGIC.length + 32 + 8;
            if (all.length < head || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) return null;
            ByteBuffer bb = ByteBuffer.wrap(all);
            bb.position(MAGIC.length);
            byte[] sum = new byte[32];
            bb.get(sum);
            long len = bb.getLong();
            if (len != all.length - head) return null;
            byte[] binary = Arrays.copyOfRange(all, head, all.length);
            return Arrays.equals(sum, sha256(binary)) ? binary : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Atomic write: temp file in the same folder, fsync, rename. A cache that cannot be written is skipped. */
    static void writeEntry(Path entry, byte[] binary) {
        if (binary == null || binary.length == 0) return;
        try {
            Files.createDirectories(entry.getParent());
            Path tmp = Files.createTempFile(entry.getParent(), entry.getFileName().toString(), ".tmp");
            try {
                ByteBuffer bb = ByteBuffer.allocate(MAGIC.length + 32 + 8 + binary.length);
                bb.put(MAGIC).put(sha256(binary)).putLong(binary.length).put(binary).flip();
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    while (bb.hasRemaining()) ch.write(bb);
                    ch.force(true);
                }
                Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            System.err.println("resnet4j: could not cache the OpenCL program binary in " + entry.getParent() + ": " + e.getMessage());
        }
    }

    private static cl_program fromBinary(cl_context context, cl_device_id device, byte[] binary, String options) {
        cl_program p = null;
        try {
            int[] status = new int[1];
            p = clCreateProgramWithBinary(context, 1, new cl_device_id[] {device}, new long[] {binary.length},
                    new byte[][] {binary}, status, null);
            clBuildProgram(p, 1, new cl_device_id[] {device}, options, null, null);
            return p;
        } catch (CLException e) {
            if (p != null) clReleaseProgram(p);
            return null; // refused by the driver (another driver build, damaged entry): rebuild from source
        }
    }

    private static byte[] binaryOf(cl_program p) {
        long[] sizes = new long[1];
        clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(sizes), null);
        if (sizes[0] <= 0 || sizes[0] > Integer.MAX_VALUE) return null;
        byte[] bin = new byte[(int) sizes[0]];
        Pointer[] ptrs = {Pointer.to(bin)};
        clGetProgramInfo(p, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(ptrs), null);
        return bin;
    }

    static String buildLog(cl_program p, cl_device_id device) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] buf = new byte[(int) size[0]];
            clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte b : buf) if (b != 0) out.write(b);
            return out.toString(StandardCharsets.UTF_8);
        } catch (CLException e) {
            return "(build log unavailable: " + e.getMessage() + ")";
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
