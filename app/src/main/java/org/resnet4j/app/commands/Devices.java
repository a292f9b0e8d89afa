package org.resnet4j.app.commands;

import org.resnet4j.core.Backend;
import org.resnet4j.core.cpu.CpuBackend;

/** Turns {@code --device} into a backend. */
final class Devices {
    private Devices() {}

    static Backend select(String spec) {
        if (spec == null || spec.equals("cpu")) return CpuBackend.get();
        throw new IllegalArgumentException("--device '" + spec + "' is not available: this build has the cpu backend only");
    }
}
