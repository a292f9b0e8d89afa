package org.resnet4j.opencl;

import static org.jocl.CL.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** Finds the OpenCL devices and resolves a device spec ({@code opencl}, {@code opencl:N}, {@code opencl:NAME}). */
final class OpenClDevices {
    static final String INSTALL_HINT = "install an OpenCL driver, e.g. apt-get install pocl-opencl-icd ocl-icd-opencl-dev "
            + "(a CPU driver), or your GPU vendor's OpenCL driver";
    private static final int CL_PLATFORM_NOT_FOUND_KHR = -1001;

    private OpenClDevices() {}

    /** A device with its handles, as found by {@link #enumerate()}. */
    record Found(DeviceInfo info, cl_platform_id platform, cl_device_id device) {}

    /** All devices of all platforms, in platform order; throws {@link OpenClUnavailableException} when there is none. */
    static List<Found> enumerate() {
        JvmSignalHandlers.captureBeforeOpenCl();
        cl_platform_id[] platforms;
        try {
            CL.setExceptionsEnabled(true);
            int[] count = new int[1];
            clGetPlatformIDs(0, null, count);
            platforms = new cl_platform_id[count[0]];
            if (count[0] > 0) clGetPlatformIDs(count[0], platforms, null);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            throw new OpenClUnavailableException("OpenCL is not available: the OpenCL ICD loader (libOpenCL.so.1) could not be loaded ("
                    + e.getMessage() + "); " + INSTALL_HINT, e);
        } catch (CLException e) {
            if (e.getStatus() == CL_PLATFORM_NOT_FOUND_KHR) {
                throw new OpenClUnavailableException("no OpenCL platform found (CL_PLATFORM_NOT_FOUND_KHR): the ICD loader found no "
                        + "driver in /etc/OpenCL/vendors; " + INSTALL_HINT, e);
            }
            throw new OpenClUnavailableException("listing OpenCL platforms failed: " + e.getMessage() + "; " + INSTALL_HINT, e);
        }
        if (platforms.length == 0) {
            throw new OpenClUnavailableException("no OpenCL platform found; " + INSTALL_HINT);
        }
        List<Found> out = new ArrayList<>();
        for (cl_platform_id p : platforms) {
            String pName = platformString(p, CL_PLATFORM_NAME);
            String pVersion = platformString(p, CL_PLATFORM_VERSION);
            cl_device_id[] devices;
            try {
                int[] n = new int[1];
                clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, n);
                devices = new cl_device_id[n[0]];
                if (n[0] > 0) clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, n[0], devices, null);
            } catch (CLException e) {
                continue; // a platform without devices (CL_DEVICE_NOT_FOUND) contributes none
            }
            for (cl_device_id d : devices) {
                long type = deviceLong(d, CL_DEVICE_TYPE);
                String ext = deviceString(d, CL_DEVICE_EXTENSIONS);
                DeviceInfo info = new DeviceInfo(out.size(), pName, pVersion, deviceString(d, CL_DEVICE_NAME).trim(),
                        deviceString(d, CL_DEVICE_VENDOR).trim(), typeName(type), deviceString(d, CL_DEVICE_VERSION).trim(),
                        deviceString(d, CL_DRIVER_VERSION).trim(), deviceInt(d, CL_DEVICE_MAX_COMPUTE_UNITS),
                        deviceLong(d, CL_DEVICE_GLOBAL_MEM_SIZE), deviceSizeT(d, CL_DEVICE_MAX_WORK_GROUP_SIZE),
                        ext.contains("cl_khr_fp64"));
                out.add(new Found(info, p, d));
            }
        }
        if (out.isEmpty()) {
            throw new OpenClUnavailableException("OpenCL platforms were found but they offer no device; " + INSTALL_HINT);
        }
        return out;
    }

    /** Resolves a spec against the devices; GPU first when the spec names none. */
    static Found resolve(String spec, List<Found> all) {
        String s = spec == null ? "opencl" : spec.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (!lower.equals("opencl") && !lower.startsWith("opencl:")) {
            throw new IllegalArgumentException("device spec '" + spec + "' is not an OpenCL spec: use opencl, opencl:N or opencl:NAME; "
                    + "available devices:\n" + listing(all));
        }
        if (lower.equals("opencl") || lower.equals("opencl:")) {
            for (Found f : all) if (f.info().isGpu()) return f;
            return all.get(0);
        }
        String sel = s.substring("opencl:".length()).trim();
        if (sel.matches("\\d+")) {
            int i = Integer.parseInt(sel);
            if (i >= all.size()) {
                throw new IllegalArgumentException("device spec '" + spec + "': there is no OpenCL device " + i + " (found "
                        + all.size() + "); available devices:\n" + listing(all));
            }
            return all.get(i);
        }
        String needle = sel.toLowerCase(Locale.ROOT);
        for (Found f : all) {
            String hay = (f.info().platformName() + " " + f.info().deviceName() + " " + f.info().vendor()).toLowerCase(Locale.ROOT);
            if (hay.contains(needle)) return f;
        }
        throw new IllegalArgumentException("device spec '" + spec + "': no OpenCL platform or device name contains '" + sel
                + "'; available devices:\n" + listing(all));
    }

    static String listing(List<Found> all) {
        StringBuilder sb = new StringBuilder();
        for (Found f : all) sb.append("  ").append(f.info().description()).append('\n');
        return sb.toString().stripTrailing();
    }

    private static String typeName(long type) {
        List<String> parts = new ArrayList<>();
        if ((type & CL_DEVICE_TYPE_GPU) != 0) parts.add("GPU");
        if ((type & CL_DEVICE_TYPE_CPU) != 0) parts.add("CPU");
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) parts.add("ACCELERATOR");
        if (parts.isEmpty()) parts.add("OTHER");
        return String.join("+", parts);
    }

    static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    static long deviceSizeT(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }

    static int deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0];
    }

    private static String cString(byte[] buf) {
        int n = 0;
        while (n < buf.length && buf[n] != 0) n++;
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }
}
