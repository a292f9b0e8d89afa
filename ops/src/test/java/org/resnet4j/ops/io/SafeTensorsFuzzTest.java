package org.resnet4j.ops.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Seeded mutation fuzzing of {@link SafeTensors#read}: every mutant either reads as a consistent file
 * or fails with a {@link SafeTensorsException} whose message starts with the file's path; nothing else
 * (no index, negative-size, overflow, null-pointer or out-of-memory error, no hang). The hand-written
 * cases of {@link SafeTensorsTest} pin the individual messages; here the point is breadth.
 */
class SafeTensorsFuzzTest {
    @TempDir
    Path dir;

    /** A small valid file: two tensors of different dtypes and metadata. */
    static byte[] seedFile() throws IOException {
        Map<String, StoredTensor> t = new LinkedHashMap<>();
        t.put("a.weight", StoredTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        t.put("n", StoredTensor.scalarLong(7));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafeTensors.writeTo(out, t, Map.of("format", "pt"));
        return out.toByteArray();
    }

    /** Reads {@code bytes} as a file; returns null on success, the exception otherwise, failing on anything unexpected. */
    SafeTensorsException readExpectingCleanOutcome(byte[] bytes, String what) throws IOException {
        Path f = dir.resolve("m.safetensors");
        Files.write(f, bytes);
        try {
            SafeTensors.Contents c = SafeTensors.read(f);
            long data = 0;
            for (StoredTensor t : c.tensors().values()) {
                // a file that reads must be self-consistent: the conversions never index outside the bytes
                assertThat(t.toDoubles()).hasSize((int) t.numel());
                data += t.data().length;
            }
            assertThat(data).as(what).isLessThanOrEqualTo(bytes.length);
            return null;
        } catch (SafeTensorsException e) {
            assertThat(e.getMessage()).as(what).startsWith(f.toString()).contains(": ").hasSizeLessThan(2000);
            return e;
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + ": " + e, e);
        }
    }

    @Test
    void truncationAtEveryLengthIsACleanError() throws IOException {
        byte[] good = seedFile();
        for (int len = 0; len < good.length; len++) {
            SafeTensorsException e = readExpectingCleanOutcome(java.util.Arrays.copyOf(good, len), "truncated to " + len);
            assertThat(e).as("truncated to %d of %d bytes", len, good.length).isNotNull();
            if (len < 8) assertThat(e).hasMessageContaining("truncated").hasMessageContaining(len + " bytes");
        }
    }

    @Test
    void headerLengthFieldOfEveryKind() throws IOException {
        byte[] good = seedFile();
        long n = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long[] values = {-1, Long.MIN_VALUE, Long.MAX_VALUE, 0, 1, n - 1, n + 1, good.length - 7, good.length,
                SafeTensors.MAX_HEADER_BYTES, SafeTensors.MAX_HEADER_BYTES + 1, 1L << 32, (1L << 31) - 1, 1L << 31};
        for (long v : values) {
            byte[] b = good.clone();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
            SafeTensorsException e = readExpectingCleanOutcome(b, "header length " + v);
            assertThat(e).as("header length %d", v).isNotNull();
            assertThat(e.getMessage()).containsAnyOf("absurd", "past the end", "not valid JSON", "UTF-8", "cover", "outside");
        }
    }

    @Test
    void randomBitFlipsAndByteWrites() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            byte[] good = seedFile();
            SplittableRandom rnd = new SplittableRandom(20261122L);
            int errors = 0;
            for (int i = 0; i < 1200; i++) {
                byte[] b = good.clone();
                int k = 1 + rnd.nextInt(4);
                for (int j = 0; j < k; j++) {
                    int at = rnd.nextInt(b.length);
                    if (rnd.nextBoolean()) b[at] ^= (byte) (1 << rnd.nextInt(8));
                    else b[at] = (byte) rnd.nextInt(256);
                }
                if (readExpectingCleanOutcome(b, "mutant " + i) != null) errors++;
            }
            // most mutants land in the JSON header, which is strict; flips in the float data still read
            assertThat(errors).isBetween(300, 1200);
        });
    }

    /** A file with exactly this header text and {@code dataBytes} zero bytes of data. */
    static byte[] withHeader(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    static String entry(String dtype, String shape, String offsets) {
        return "{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    @Test
    void structuredHeaderMutationsNameTheProblem() throws IOException {
        // header text, data bytes, what the message must say
        List<Object[]> cases = List.of(
                new Object[] {"[]", 0, "must be a JSON object"},
                new Object[] {"\"x\"", 0, "must be a JSON object"},
                new Object[] {"{\"t\":5}", 0, "tensor 't': the entry must be an object"},
                new Object[] {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "data_offsets"},
                new Object[] {"{\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "dtype"},
                new Object[] {"{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "shape"},
                new Object[] {"{\"t\":" + entry("4", "[1]", "[0,4]") + "}", 4, "dtype"},
                new Object[] {"{\"t\":" + entry("\"f32\"", "[1]", "[0,4]") + "}", 4, "unknown dtype \"f32\""},
                new Object[] {"{\"t\":" + entry("\"F8_E4M3\"", "[1]", "[0,1]") + "}", 1, "unknown dtype"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "1", "[0,4]") + "}", 4, "shape"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[-1]", "[0,4]") + "}", 4, "0..2147483647"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1.5]", "[0,4]") + "}", 4, "0..2147483647"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[\"1\"]", "[0,4]") + "}", 4, "0..2147483647"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[2147483648]", "[0,4]") + "}", 4, "0..2147483647"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[99999999999999999999999]", "[0,4]") + "}", 4, "0..2147483647"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[2147483647,2147483647,2147483647]", "[0,4]") + "}", 4, "too large"},
                new Object[] {"{\"t\":" + entry("\"U8\"", "[2147483647]", "[0,4]") + "}", 4, "needs 2147483647 bytes"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[0]") + "}", 4, "two integers"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[0,4,8]") + "}", 4, "two integers"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "{\"a\":0}") + "}", 4, "two integers"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[0,4.0]") + "}", 4, "two integers"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[-4,0]") + "}", 4, "non-negative"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[4,0]") + "}", 4, "ordered"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[0,9223372036854775807]") + "}", 4, "outside the data"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[9223372036854775800,9223372036854775807]") + "}", 4, "outside the data"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[0,4]") + ",\"u\":" + entry("\"F32\"", "[1]", "[2,6]") + "}", 8, "overlap"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[0,4]") + ",\"u\":" + entry("\"F32\"", "[1]", "[0,4]") + "}", 8, "overlap"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[4,8]") + "}", 8, "belong to no tensor"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[0,4]") + "}", 5, "belong to no tensor"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[0,4]") + ",\"t\":" + entry("\"F32\"", "[1]", "[4,8]") + "}", 8, "duplicate key"},
                new Object[] {"{\"t\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "duplicate key"},
                new Object[] {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":{}}}", 4, "unexpected field \"extra\""},
                new Object[] {"{\"\":" + entry("\"F32\"", "[1]", "[0,4]") + "}", 4, "empty tensor name"},
                new Object[] {"{\"__metadata__\":[]}", 0, "__metadata__"},
                new Object[] {"{\"__metadata__\":{\"a\":1}}", 0, "must be a string"},
                new Object[] {"{\"__metadata__\":{\"a\":null}}", 0, "must be a string"},
                new Object[] {"{\"__metadata__\":{\"a\":{\"b\":\"c\"}}}", 0, "must be a string"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[0,4]") + ",}", 4, "not valid JSON"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[0,4]"), 4, "not valid JSON"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[01]", "[0,4]") + "}", 4, "leading zero"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[0,4]") + "} x", 4, "after the JSON value"},
                new Object[] {"{\"\\ud800\":1}", 0, "surrogate"},
                new Object[] {"{\"a\\q\":1}", 0, "invalid escape"},
                new Object[] {"{\"a\u0001\":1}", 0, "control character"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1e999]", "[0,4]") + "}", 4, "0..2147483647"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[-0]", "[0,4]") + "}", 4, "needs 0 bytes"},
                new Object[] {"{\"t\":" + entry("\"F32\"", "[1]", "[0,4]") + "}  \t\n", 4, null},
                new Object[] {"{\"\u00e9\u4e2d\ud83d\ude00\":" + entry("\"F32\"", "[1]", "[0,4]") + "}", 4, null},
                new Object[] {"[".repeat(100_000), 0, "nesting deeper than"},
                new Object[] {"{\"a\":".repeat(10_000), 0, "nesting deeper than"},
                new Object[] {"{\"__metadata__\":{\"a\":\"" + "x".repeat(1_000_000) + "}", 0, "unterminated string"});
        for (Object[] c : cases) {
            String json = (String) c[0];
            String what = json.length() > 80 ? json.substring(0, 80) + "..." : json;
            SafeTensorsException e = readExpectingCleanOutcome(withHeader(json, (Integer) c[1]), what);
            if (c[2] == null) {
                assertThat(e).as(what).isNull();
            } else {
                assertThat(e).as(what).isNotNull();
                assertThat(e.getMessage()).as(what).contains((String) c[2]);
            }
        }
    }

    @Test
    void invalidUtf8InTheHeader() throws IOException {
        byte[] b = withHeader("{\"ab\":1}", 0);
        b[10] = (byte) 0xC3; // a lead byte followed by an ASCII byte
        assertThat(readExpectingCleanOutcome(b, "bad utf-8")).hasMessageContaining("not valid UTF-8");
    }

    /** Random token soup inside the JSON header: only SafeTensorsException may come out. */
    @Test
    void randomHeaderTokenSoup() {
        String[] tokens = {"{", "}", "[", "]", ",", ":", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"F32\"", "\"I64\"",
                "\"__metadata__\"", "\"t\"", "0", "4", "-1", "1e3", "2147483648", "9223372036854775808", "true", "null",
                "\"\\u00e9\"", " ", "\"", "\\"};
        assertTimeoutPreemptively(Duration.ofSeconds(15), () -> {
            SplittableRandom rnd = new SplittableRandom(7);
            for (int i = 0; i < 1000; i++) {
                StringBuilder sb = new StringBuilder("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}");
                int at = 1 + rnd.nextInt(sb.length() - 1);
                StringBuilder junk = new StringBuilder();
                for (int k = rnd.nextInt(1, 6); k > 0; k--) junk.append(tokens[rnd.nextInt(tokens.length)]);
                if (rnd.nextBoolean()) sb.insert(at, junk);
                else sb.replace(at, Math.min(sb.length(), at + rnd.nextInt(1, 6)), junk.toString());
                sb.append('}');
                readExpectingCleanOutcome(withHeader(sb.toString(), 4 + rnd.nextInt(3) * 4), "soup " + i + ": " + sb);
            }
        });
    }

    @Test
    void directoryAndMissingFileAreIoErrors() {
        assertThatThrownBy(() -> SafeTensors.read(dir.resolve("none.safetensors")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class).hasMessageContaining("none.safetensors");
        assertThatThrownBy(() -> SafeTensors.read(dir)).isInstanceOf(IOException.class);
    }
}
