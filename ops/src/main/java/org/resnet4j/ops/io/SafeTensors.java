package org.resnet4j.ops.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.core.Shape;

/**
 * Reads and writes the safetensors format of Hugging Face: an 8-byte little-endian header length
 * {@code n}, {@code n} bytes of UTF-8 JSON
 * {@code {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}}
 * and then the raw little-endian tensor bytes, with offsets relative to the end of the header.
 *
 * <p>Reading is defensive: the header length is checked against the file size and a cap before any
 * allocation, every offset must lie inside the data, the tensors must cover the data exactly (no
 * overlap, no hole, as the format requires) and each byte range must match its dtype and shape. Any
 * violation is a {@link SafeTensorsException} naming the file, the tensor and the problem; nothing
 * outside the file is read and nothing larger than the file is allocated.
 *
 * <p>Writing is atomic (see {@link AtomicFile}); the header is padded with spaces to a multiple of 8
 * bytes, as the reference implementation does, so the data is aligned.
 */
public final class SafeTensors {
    /** Headers larger than this are rejected as absurd before anything is allocated (the reference uses 100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    public static final String METADATA_KEY = "__metadata__";

    private SafeTensors() {}

    /** A file's tensors in data order, and its string metadata (empty when it has none). */
    public record Contents(Map<String, StoredTensor> tensors, Map<String, String> metadata) {
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** The tensor named {@code name}; fails naming the keys present when it is missing. */
        public StoredTensor get(String name) {
            StoredTensor t = tensors.get(name);
            if (t == null) throw new IllegalArgumentException("no tensor named '" + name + "'; present: " + tensors.keySet());
            return t;
        }
    }

    private record Entry(String name, StoredDType dtype, int[] shape, long begin, long end) {}

    // ------------------------------------------------------------------ reading

    public static Contents read(Path file) throws IOException {
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "no such safetensors file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new SafeTensorsException(file, null, "truncated: the file has " + size
                        + " bytes but a safetensors file starts with an 8-byte header length");
            }
            long n = readFully(ch, 0, 8, file, null).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n < 2 || n > MAX_HEADER_BYTES) {
                throw new SafeTensorsException(file, null, "the header length " + Long.toUnsignedString(n)
                        + " is absurd (expected 2.." + MAX_HEADER_BYTES + " bytes); this is not a safetensors file or it is corrupt");
            }
            if (8 + n > size) {
                throw new SafeTensorsException(file, null, "truncated: the header length " + n
                        + " runs past the end of the file (" + size + " bytes)");
            }
            String json;
            try {
                json = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(readFully(ch, 8, (int) n, file, null)).toString();
            } catch (CharacterCodingException e) {
                throw new SafeTensorsException(file, null, "the header is not valid UTF-8");
            }
            long dataSize = size - 8 - n;
            Object parsed;
            try {
                parsed = Json.parse(json);
            } catch (Json.ParseException e) {
                throw new SafeTensorsException(file, null, "the header is not valid JSON: " + e.getMessage());
            }
            if (!(parsed instanceof Map<?, ?> header)) {
                throw new SafeTensorsException(file, null, "the header must be a JSON object");
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (var e : header.entrySet()) {
                String name = (String) e.getKey();
                if (name.equals(METADATA_KEY)) {
                    readMetadata(file, e.getValue(), metadata);
                } else {
                    entries.add(entry(file, name, e.getValue(), dataSize));
                }
            }
            checkCoverage(file, entries, dataSize);
            Map<String, StoredTensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                ByteBuffer bytes = readFully(ch, 8 + n + e.begin, (int) (e.end - e.begin), file, e.name);
                tensors.put(e.name, new StoredTensor(e.dtype, e.shape, bytes.array()));
            }
            return new Contents(tensors, metadata);
        }
    }

    private static void readMetadata(Path file, Object value, Map<String, String> out) throws SafeTensorsException {
        if (!(value instanceof Map<?, ?> m)) {
            throw new SafeTensorsException(file, null, "\"" + METADATA_KEY + "\" must be an object of strings");
        }
        for (var e : m.entrySet()) {
            if (!(e.getValue() instanceof String v)) {
                throw new SafeTensorsException(file, null, "metadata value of \"" + e.getKey()
                        + "\" must be a string but is " + e.getValue());
            }
            out.put((String) e.getKey(), v);
        }
    }

    private static Entry entry(Path file, String name, Object value, long dataSize) throws SafeTensorsException {
        if (name.isEmpty()) throw new SafeTensorsException(file, name, "empty tensor name");
        if (!(value instanceof Map<?, ?> m)) throw new SafeTensorsException(file, name, "the entry must be an object");
        for (Object k : m.keySet()) {
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw new SafeTensorsException(file, name, "unexpected field \"" + k
                        + "\" (expected dtype, shape, data_offsets)");
            }
        }
        if (!(m.get("dtype") instanceof String dtypeName)) {
            throw new SafeTensorsException(file, name, "missing or non-string \"dtype\"");
        }
        StoredDType dtype = StoredDType.fromHeader(dtypeName);
        if (dtype == null) {
            throw new SafeTensorsException(file, name, "unknown dtype \"" + dtypeName + "\" (known: " + StoredDType.known() + ")");
        }
        if (!(m.get("shape") instanceof List<?> shapeList)) {
            throw new SafeTensorsException(file, name, "missing or non-array \"shape\"");
        }
        int[] shape = new int[shapeList.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new SafeTensorsException(file, name, "shape " + shapeList + " must hold integers in 0.." + Integer.MAX_VALUE);
            }
            shape[i] = (int) (long) d;
        }
        if (!(m.get("data_offsets") instanceof List<?> offs) || offs.size() != 2
                || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end)) {
            throw new SafeTensorsException(file, name, "\"data_offsets\" must be an array of two integers");
        }
        if (begin < 0 || end < begin) {
            throw new SafeTensorsException(file, name, "data_offsets [" + begin + ", " + end + "] are not an ordered, non-negative range");
        }
        if (end > dataSize) {
            throw new SafeTensorsException(file, name, "data_offsets [" + begin + ", " + end
                    + "] lie outside the data (" + dataSize + " bytes after the header); the file may be truncated");
        }
        long expected;
        try {
            expected = Math.multiplyExact(Shape.numel(shape), dtype.bytes());
        } catch (ArithmeticException overflow) {
            throw new SafeTensorsException(file, name, "shape " + Shape.str(shape) + " is too large");
        }
        if (expected != end - begin) {
            throw new SafeTensorsException(file, name, "shape " + Shape.str(shape) + " of " + dtype + " needs " + expected
                    + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        if (expected > Integer.MAX_VALUE - 8) {
            throw new SafeTensorsException(file, name, "a tensor of " + expected + " bytes is larger than one Java array can hold");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** The format requires the tensors to tile the data exactly: no overlap, no hole. */
    private static void checkCoverage(Path file, List<Entry> entries, long dataSize) throws SafeTensorsException {
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : entries) {
            if (e.begin < expected) {
                throw new SafeTensorsException(file, e.name, "data_offsets [" + e.begin + ", " + e.end
                        + "] overlap tensor '" + previous.name + "' [" + previous.begin + ", " + previous.end + "]");
            }
            if (e.begin > expected) {
                throw new SafeTensorsException(file, e.name, "bytes " + expected + ".." + e.begin
                        + " of the data before this tensor belong to no tensor (the data must be covered exactly)");
            }
            expected = e.end;
            previous = e;
        }
        if (expected != dataSize) {
            throw new SafeTensorsException(file, null, "the tensors cover " + expected + " bytes but the data holds "
                    + dataSize + " (bytes " + expected + ".." + dataSize + " belong to no tensor)");
        }
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int length, Path file, String tensor) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            int r = ch.read(b, position + b.position());
            if (r < 0) throw new SafeTensorsException(file, tensor, "truncated while reading (the file shrank?)");
        }
        return b.flip();
    }

    // ------------------------------------------------------------------ writing

    /** Writes {@code tensors} (in map order) and {@code metadata} atomically to {@code file}. */
    public static void write(Path file, Map<String, StoredTensor> tensors, Map<String, String> metadata) throws IOException {
        AtomicFile.write(file, out -> writeTo(out, tensors, metadata));
    }

    public static void write(Path file, Map<String, StoredTensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /** Streams the whole file to {@code out} (not atomic by itself; {@link #write} wraps it). */
    public static void writeTo(OutputStream out, Map<String, StoredTensor> tensors, Map<String, String> metadata) throws IOException {
        byte[] header = header(tensors, metadata);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        out.write(len.array());
        out.write(header);
        for (StoredTensor t : tensors.values()) out.write(t.data());
    }

    /**
     * The JSON header as written: compact, {@code __metadata__} first, tensors in map order with keys
     * dtype, shape, data_offsets, padded with spaces to a multiple of 8 bytes.
     */
    static byte[] header(Map<String, StoredTensor> tensors, Map<String, String> metadata) {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        if (!metadata.isEmpty()) {
            Json.quote(sb, METADATA_KEY);
            sb.append(":{");
            boolean f = true;
            for (var e : metadata.entrySet()) {
                if (!f) sb.append(',');
                f = false;
                quote(sb, e.getKey(), "metadata key");
                sb.append(':');
                quote(sb, e.getValue(), "the metadata value of '" + e.getKey() + "'");
            }
            sb.append('}');
            first = false;
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA_KEY) || e.getKey().isEmpty()) {
                throw new IllegalArgumentException("invalid tensor name '" + e.getKey() + "'");
            }
            StoredTensor t = e.getValue();
            if (!first) sb.append(',');
            first = false;
            quote(sb, e.getKey(), "tensor name");
            sb.append(":{\"dtype\":\"").append(t.dtype().name()).append("\",\"shape\":[");
            int[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                if (i > 0) sb.append(',');
                sb.append(shape[i]);
            }
            long end = offset + t.data().length;
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        sb.append('}');
        while (sb.length() % 8 != 0) sb.append(' ');
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** {@link Json#quote}, naming {@code what} the string is when it cannot be written (nothing has been written then). */
    private static void quote(StringBuilder sb, String value, String what) {
        try {
            Json.quote(sb, value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot save " + what + ": " + e.getMessage(), e);
        }
    }
}
