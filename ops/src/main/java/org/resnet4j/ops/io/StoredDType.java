package org.resnet4j.ops.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The element types of the safetensors format, with their names in the header and sizes in bytes. */
public enum StoredDType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    StoredDType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The dtype named {@code name} in a header, or null when it is not one we know. */
    static StoredDType fromHeader(String name) {
        for (StoredDType d : values()) if (d.name().equals(name)) return d;
        return null;
    }

    static String known() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
