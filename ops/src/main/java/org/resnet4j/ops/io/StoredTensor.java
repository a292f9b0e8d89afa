package org.resnet4j.ops.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.resnet4j.core.Shape;

/**
 * One tensor as stored in a safetensors file: its dtype, shape and raw little-endian bytes. The bytes
 * are kept as read, so re-saving a loaded file reproduces them exactly; {@link #toFloats()},
 * {@link #toDoubles()} and {@link #toLongs()} convert on demand. The byte array is shared, not
 * copied (checkpoints hold hundreds of megabytes): treat it as read-only.
 */
public record StoredTensor(StoredDType dtype, int[] shape, byte[] data) {

    public StoredTensor {
        shape = shape.clone();
        long expected = Math.multiplyExact(Shape.numel(shape), dtype.bytes());
        if (expected != data.length) {
            throw new IllegalArgumentException("a " + dtype + " tensor of shape " + Shape.str(shape) + " needs "
                    + expected + " bytes but " + data.length + " were given");
        }
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public long numel() {
        return Shape.numel(shape);
    }

    // ------------------------------------------------------------------ factories

    public static StoredTensor ofFloats(float[] values, int... shape) {
        ByteBuffer b = buffer(values.length * 4L);
        b.asFloatBuffer().put(values);
        return new StoredTensor(StoredDType.F32, shape, b.array());
    }

    public static StoredTensor ofDoubles(double[] values, int... shape) {
        ByteBuffer b = buffer(values.length * 8L);
        b.asDoubleBuffer().put(values);
        return new StoredTensor(StoredDType.F64, shape, b.array());
    }

    public static StoredTensor ofLongs(long[] values, int... shape) {
        ByteBuffer b = buffer(values.length * 8L);
        b.asLongBuffer().put(values);
        return new StoredTensor(StoredDType.I64, shape, b.array());
    }

    /** A 0-dimensional int64 tensor, how PyTorch stores {@code num_batches_tracked}. */
    public static StoredTensor scalarLong(long value) {
        return ofLongs(new long[] {value});
    }

    /** Float values rounded to F16 (IEEE half, round to nearest even). */
    public static StoredTensor ofFloatsAsF16(float[] values, int... shape) {
        ByteBuffer b = buffer(values.length * 2L);
        for (float v : values) b.putShort(Float.floatToFloat16(v));
        return new StoredTensor(StoredDType.F16, shape, b.array());
    }

    /** Float values rounded to BF16 (round to nearest even, NaN kept quiet), as torch's .bfloat16() does. */
    public static StoredTensor ofFloatsAsBF16(float[] values, int... shape) {
        ByteBuffer b = buffer(values.length * 2L);
        for (float v : values) b.putShort(floatToBf16(v));
        return new StoredTensor(StoredDType.BF16, shape, b.array());
    }

    private static ByteBuffer buffer(long bytes) {
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor of " + bytes + " bytes is too large");
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static short floatToBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x0040);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    // ------------------------------------------------------------------ conversions

    private ByteBuffer le() {
        return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The values as float64 (exact for every floating type and for integers up to 2^53). */
    public double[] toDoubles() {
        int n = (int) numel();
        double[] out = new double[n];
        ByteBuffer b = le();
        switch (dtype) {
            case F64 -> b.asDoubleBuffer().get(out);
            case F32 -> { for (int i = 0; i < n; i++) out[i] = b.getFloat(4 * i); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(b.getShort(2 * i)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16); }
            case I64 -> { for (int i = 0; i < n; i++) out[i] = b.getLong(8 * i); }
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = b.getShort(2 * i); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = data[i]; }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = data[i] & 0xFF; }
        }
        return out;
    }

    /** The values as float32 (F64 rounds to nearest, as torch's .float() does). */
    public float[] toFloats() {
        int n = (int) numel();
        float[] out = new float[n];
        if (dtype == StoredDType.F32) {
            le().asFloatBuffer().get(out);
            return out;
        }
        double[] d = toDoubles();
        for (int i = 0; i < n; i++) out[i] = (float) d[i];
        return out;
    }

    /** The values of an integer tensor as longs; floating types are an error (no silent truncation). */
    public long[] toLongs() {
        int n = (int) numel();
        long[] out = new long[n];
        ByteBuffer b = le();
        switch (dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = b.getShort(2 * i); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = data[i]; }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = data[i] & 0xFF; }
            default -> throw new IllegalStateException("a " + dtype + " tensor holds floating-point values, not integers");
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredTensor t && t.dtype == dtype && Arrays.equals(t.shape, shape)
                && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return dtype + Shape.str(shape);
    }
}
