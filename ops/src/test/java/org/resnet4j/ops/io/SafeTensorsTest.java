package org.resnet4j.ops.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    /** Written by ops/src/test/python/make_safetensors.py with torch 1.13. */
    static Path pytorchFile(Path dir) throws IOException {
        Path p = dir.resolve("pytorch_dtypes.safetensors");
        try (InputStream in = SafeTensorsTest.class.getResourceAsStream("pytorch_dtypes.safetensors")) {
            Files.copy(in, p);
        }
        return p;
    }

    @Test
    void readsEveryDtypeWrittenByPyTorch() throws IOException {
        SafeTensors.Contents c = SafeTensors.read(pytorchFile(dir));
        assertThat(c.tensors().keySet()).containsExactly("f64", "f32", "f16", "bf16", "i64", "scalar_i64", "empty_f32", "special_f32");
        assertThat(c.metadata()).containsEntry("format", "pt").containsEntry("writer", "make_safetensors.py");
        // values printed by the script (torch's own float64 view of each tensor)
        assertThat(c.get("f64").toDoubles()).containsExactly(0.16252353079201776, 0.44752432124948, 0.8491055311587802,
                -1.6907312853407084, 1.3813263988885405, -0.9549161852251928);
        assertThat(c.get("f32").shape()).containsExactly(2, 3);
        assertThat(c.get("f32").toDoubles()).containsExactly(-0.9868022799491882, 1.042831301689148, 1.2704218626022339,
                0.9330560564994812, -0.46305832266807556, -0.6811791062355042);
        assertThat(c.get("f16").toDoubles()).containsExactly(-0.98681640625, 1.04296875, 1.2705078125, 0.93310546875,
                -0.463134765625, -0.68115234375);
        assertThat(c.get("bf16").toDoubles()).containsExactly(-0.98828125, 1.0390625, 1.2734375, 0.93359375, -0.462890625,
                -0.6796875);
        assertThat(c.get("i64").toLongs()).containsExactly(0L, -1L, 1L << 40, -(1L << 62));
        assertThat(c.get("scalar_i64").shape()).isEmpty();
        assertThat(c.get("scalar_i64").toLongs()).containsExactly(7L);
        assertThat(c.get("empty_f32").shape()).containsExactly(0, 4);
        float[] special = c.get("special_f32").toFloats();
        assertThat(special[0]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(special[1]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(special[2])).isEqualTo(0x80000000);
        assertThat(special[3]).isEqualTo(Float.MIN_VALUE);
    }

    @Test
    void reSavesThePyTorchFileByteForByte() throws IOException {
        Path original = pytorchFile(dir);
        SafeTensors.Contents c = SafeTensors.read(original);
        Path copy = dir.resolve("copy.safetensors");
        SafeTensors.write(copy, c.tensors(), c.metadata());
        assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(original));
    }

    @Test
    void halfAndBfloat16RoundingMatchesTorch() throws IOException {
        SafeTensors.Contents c = SafeTensors.read(pytorchFile(dir));
        float[] f32 = c.get("f32").toFloats();
        assertThat(StoredTensor.ofFloatsAsF16(f32, 2, 3)).isEqualTo(c.get("f16"));
        assertThat(StoredTensor.ofFloatsAsBF16(f32, 2, 3)).isEqualTo(c.get("bf16"));
    }

    @Test
    void roundTripsOwnFilesWithMetadataAndEscapes() throws IOException {
        Map<String, StoredTensor> t = new LinkedHashMap<>();
        t.put("a.weight", StoredTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        t.put("b\"q\u00e9", StoredTensor.ofDoubles(new double[] {Math.PI}, 1));
        t.put("n", StoredTensor.scalarLong(-5));
        Map<String, String> meta = Map.of("epoch", "3", "note", "line\nbreak \u4e2d");
        Path p = dir.resolve("own.safetensors");
        SafeTensors.write(p, t, meta);
        byte[] raw = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).as("header padded to 8 bytes").isZero();
        SafeTensors.Contents c = SafeTensors.read(p);
        assertThat(c.tensors()).isEqualTo(t);
        assertThat(c.metadata()).isEqualTo(meta);
        assertThat(dir.toFile().list()).containsExactly("own.safetensors");
    }

    // ------------------------------------------------------------------ corruption, one kind per test

    private Path craft(String json, int dataBytes) throws IOException {
        return craftRaw(json.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8).length, dataBytes);
    }

    private Path craftRaw(byte[] header, long declaredLength, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header);
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private static String f32(String name, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    @Test
    void rejectsAFileShorterThanTheLengthField() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafeTensors.read(p)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("truncated").hasMessageContaining("3 bytes");
    }

    @Test
    void rejectsAHeaderLengthPastTheEnd() throws IOException {
        Path p = craftRaw("{}".getBytes(StandardCharsets.US_ASCII), 4000, 0);
        assertThatThrownBy(() -> SafeTensors.read(p)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("header length 4000 runs past the end of the file (10 bytes)");
    }

    @Test
    void rejectsAnAbsurdHeaderLengthBeforeAllocating() throws IOException {
        Path big = craftRaw("{}".getBytes(StandardCharsets.US_ASCII), 200_000_000L, 0);
        assertThatThrownBy(() -> SafeTensors.read(big)).hasMessageContaining("header length 200000000 is absurd");
        Path negative = craftRaw("{}".getBytes(StandardCharsets.US_ASCII), -1L, 0);
        assertThatThrownBy(() -> SafeTensors.read(negative)).hasMessageContaining("header length 18446744073709551615 is absurd");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        Path p = craft("{" + f32("w", "[2,2]", 0, 16) + "}", 12);
        assertThatThrownBy(() -> SafeTensors.read(p)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("tensor 'w'").hasMessageContaining("outside the data (12 bytes");
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        Path p = craft("{" + f32("a", "[2]", 0, 8) + "," + f32("b", "[2]", 4, 12) + "}", 12);
        assertThatThrownBy(() -> SafeTensors.read(p)).hasMessageContaining("tensor 'b'").hasMessageContaining("overlap tensor 'a'");
    }

    @Test
    void rejectsAHoleBetweenTensors() throws IOException {
        Path p = craft("{" + f32("a", "[1]", 0, 4) + "," + f32("b", "[1]", 8, 12) + "}", 12);
        assertThatThrownBy(() -> SafeTensors.read(p)).hasMessageContaining("tensor 'b'").hasMessageContaining("bytes 4..8");
    }

    @Test
    void rejectsDataNotCoveredAtTheEnd() throws IOException {
        Path p = craft("{" + f32("a", "[1]", 0, 4) + "}", 10);
        assertThatThrownBy(() -> SafeTensors.read(p)).hasMessageContaining("cover 4 bytes but the data holds 10");
    }

    @Test
    void rejectsAnUnknownDtype() throws IOException {
        Path p = craft("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
        assertThatThrownBy(() -> SafeTensors.read(p)).hasMessageContaining("tensor 'w'")
                .hasMessageContaining("unknown dtype \"F8_E4M3\"").hasMessageContaining("F32");
    }

    @Test
    void rejectsAShapeThatDisagreesWithTheByteCount() throws IOException {
        Path p = craft("{" + f32("w", "[3,2]", 0, 16) + "}", 16);
        assertThatThrownBy(() -> SafeTensors.read(p)).hasMessageContaining("tensor 'w'")
                .hasMessageContaining("shape (3, 2) of F32 needs 24 bytes but data_offsets [0, 16] hold 16");
    }

    @Test
    void rejectsAnOverflowingShape() throws IOException {
        Path p = craft("{" + f32("w", "[2147483647,2147483647,2147483647]", 0, 4) + "}", 4);
        assertThatThrownBy(() -> SafeTensors.read(p)).hasMessageContaining("tensor 'w'").hasMessageContaining("too large");
        Path neg = craft("{" + f32("w", "[-1]", 0, 4) + "}", 4);
        assertThatThrownBy(() -> SafeTensors.read(neg)).hasMessageContaining("tensor 'w'").hasMessageContaining("shape [-1]");
    }

    @Test
    void rejectsBadJson() throws IOException {
        for (String bad : new String[] {"{\"w\":", "{\"a\":1,}", "[1,2]", "{\"a\":01}", "{'a':1}", "{\"a\":1} x",
                "{\"a\":1,\"a\":2}", "{\"a\":\"\\x\"}", "{\"a\":tru}"}) {
            Path p = craft(bad, 0);
            assertThatThrownBy(() -> SafeTensors.read(p)).as(bad).isInstanceOf(SafeTensorsException.class)
                    .hasMessageContaining(p.toString()).hasMessageMatching("(?s).*(JSON|must be).*");
        }
    }

    @Test
    void rejectsMalformedEntriesAndMetadata() throws IOException {
        Path noOffsets = craft("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4);
        assertThatThrownBy(() -> SafeTensors.read(noOffsets)).hasMessageContaining("\"data_offsets\" must be");
        Path extra = craft("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4);
        assertThatThrownBy(() -> SafeTensors.read(extra)).hasMessageContaining("unexpected field \"x\"");
        Path meta = craft("{\"__metadata__\":{\"epoch\":3}}", 0);
        assertThatThrownBy(() -> SafeTensors.read(meta)).hasMessageContaining("metadata value of \"epoch\" must be a string");
        Path reversed = craft("{" + f32("w", "[1]", 4, 0) + "}", 4);
        assertThatThrownBy(() -> SafeTensors.read(reversed)).hasMessageContaining("not an ordered");
        Path utf = craftRaw(new byte[] {'{', (byte) 0xC3, '}', ' ', ' ', ' ', ' ', ' '}, 8, 0);
        assertThatThrownBy(() -> SafeTensors.read(utf)).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void rejectsDeeplyNestedJsonWithoutStackOverflow() throws IOException {
        String deep = "{\"__metadata__\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        Path p = craft(deep, 0);
        assertThatThrownBy(() -> SafeTensors.read(p)).hasMessageContaining("nesting deeper than 64");
    }

    @Test
    void acceptsEmptyTensorsAndHeaderPadding() throws IOException {
        Path p = craft("{\"e\":{\"dtype\":\"I64\",\"shape\":[0],\"data_offsets\":[0,0]}," + f32("w", "[1]", 0, 4) + "}    ", 4);
        SafeTensors.Contents c = SafeTensors.read(p);
        assertThat(c.get("e").numel()).isZero();
        assertThat(c.get("w").toFloats()).hasSize(1);
    }

    @Test
    void missingFileIsAClearError() {
        Path p = dir.resolve("nope.safetensors");
        assertThatThrownBy(() -> SafeTensors.read(p)).isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining("nope.safetensors");
    }

    @Test
    void storedTensorConversionsCheckTheirInput() {
        assertThatThrownBy(() -> new StoredTensor(StoredDType.F32, new int[] {2}, new byte[4]))
                .hasMessageContaining("needs 8 bytes but 4 were given");
        assertThatThrownBy(() -> StoredTensor.ofFloats(new float[] {1}, 1).toLongs()).hasMessageContaining("floating-point");
        assertThat(Arrays.equals(StoredTensor.ofLongs(new long[] {3, 4}, 2).toFloats(), new float[] {3, 4})).isTrue();
    }
}
