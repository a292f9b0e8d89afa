package org.resnet4j.core;

/** Element type of a tensor's storage. Layers compute in FLOAT32; the verify oracle computes in FLOAT64. */
public enum DType {
    FLOAT32(4),
    FLOAT64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }
}
