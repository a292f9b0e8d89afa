package org.resnet4j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A read-only safetensors file (8-byte little-endian header length, JSON header
 * {@code {name: {dtype, shape, data_offsets}}}, raw little-endian data) held in memory. It reads the
 * committed goldens from the classpath; F32, F64 and I64 tensors are returned as doubles.
 */
public final class GoldenFile {
    private record Entry(String dtype, int[] shape, long begin, long end) {}

    private final String source;
    private final ByteBuffer data;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private GoldenFile(String source, byte[] bytes) {
        this.source = source;
        if (bytes.length < 8) throw new IllegalArgumentException(source + " is not a safetensors file: only " + bytes.length + " bytes");
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = bb.getLong(0);
        if (headerLen < 2 || headerLen > bytes.length - 8) {
            throw new IllegalArgumentException(source + ": header length " + headerLen + " does not fit the file's " + bytes.length
                    + " bytes; the file is truncated or not safetensors");
        }
        JsonNode header;
        try {
            header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": the JSON header cannot be parsed: " + e.getMessage(), e);
        }
        this.data = ByteBuffer.wrap(bytes, (int) (8 + headerLen), (int) (bytes.length - 8 - headerLen)).slice().order(ByteOrder.LITTLE_ENDIAN);
        for (Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            JsonNode v = e.getValue();
            int[] shape = new int[v.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = v.get("shape").get(i).asInt();
            Entry en = new Entry(v.get("dtype").asText(), shape, v.get("data_offsets").get(0).asLong(), v.get("data_offsets").get(1).asLong());
            if (en.end > data.capacity() || en.begin > en.end) {
                throw new IllegalArgumentException(source + ": tensor '" + e.getKey() + "' lies outside the data section; the file is truncated");
            }
            entries.put(e.getKey(), en);
        }
    }

    /** Loads a file from the classpath, e.g. {@code /goldens/conv.safetensors}. */
    public static GoldenFile resource(String path) {
        try (InputStream in = GoldenFile.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("golden file " + path + " is not on the classpath; regenerate the goldens with "
                        + "/usr/bin/python3 verify/goldens/generate.py and rebuild");
            }
            return new GoldenFile(path, in.readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read golden file " + path + ": " + e.getMessage(), e);
        }
    }

    public static GoldenFile of(String source, byte[] bytes) {
        return new GoldenFile(source, bytes);
    }

    public Set<String> names() {
        return entries.keySet();
    }

    public boolean has(String name) {
        return entries.containsKey(name);
    }

    public int[] shape(String name) {
        return entry(name).shape.clone();
    }

    public String dtype(String name) {
        return entry(name).dtype;
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new IllegalArgumentException(source + " has no tensor named '" + name + "'");
        return e;
    }

    /** The tensor's values (exact: F32 and I64 up to 2^53 convert to double without loss). */
    public double[] doubles(String name) {
        Entry e = entry(name);
        int count = 1;
        for (int d : e.shape) count *= d;
        int width = switch (e.dtype) {
            case "F32" -> 4;
            case "F64", "I64" -> 8;
            default -> throw new IllegalArgumentException(source + ": tensor '" + name + "' has dtype " + e.dtype
                    + "; only F32, F64 and I64 are supported");
        };
        if (e.end - e.begin != (long) count * width) {
            throw new IllegalArgumentException(source + ": tensor '" + name + "' holds " + (e.end - e.begin) + " bytes, expected "
                    + (long) count * width + " for shape " + org.resnet4j.core.Shape.str(e.shape) + " " + e.dtype);
        }
        double[] out = new double[count];
        int base = (int) e.begin;
        for (int i = 0; i < count; i++) {
            out[i] = switch (e.dtype) {
                case "F32" -> data.getFloat(base + 4 * i);
                case "F64" -> data.getDouble(base + 8 * i);
                default -> data.getLong(base + 8 * i);
            };
        }
        return out;
    }
}
