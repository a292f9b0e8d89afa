package org.resnet4j.app.commands;

import org.resnet4j.core.Backend;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.opencl.OpenClBackend;

/** Turns {@code --device} into a backend: {@code cpu}, or {@code opencl}, {@code opencl:N}, {@code opencl:NAME}. */
public final class Devices {
    private Devices() {}

    public static Backend select(String spec) {
        if (spec == null || spec.equals("cpu")) return CpuBackend.get();
        if (spec.equals("opencl") || spec.startsWith("opencl:")) return OpenClBackend.select(spec);
        throw new IllegalArgumentException("--device must be cpu, opencl, opencl:N or opencl:NAME, got '" + spec + "'");
    }
}
