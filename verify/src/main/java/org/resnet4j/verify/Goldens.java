package org.resnet4j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;

/**
 * The committed PyTorch goldens: {@code /goldens/manifest.json} and its safetensors files on the
 * classpath (written by {@code verify/goldens/generate.py}). Inputs are stored once as float32 (exact in
 * both precisions); each output twice, as PyTorch computed it in float32 and in float64.
 */
public final class Goldens {
    private final JsonNode manifest;
    private final List<Case> cases = new ArrayList<>();
    private final Map<String, GoldenFile> files = new HashMap<>();

    /** One golden case: a layer, block or model with its config and tensors. */
    public final class Case {
        private final JsonNode node;

        private Case(JsonNode node) {
            this.node = node;
        }

        public String name() {
            return node.get("name").asText();
        }

        public String layer() {
            return node.get("layer").asText();
        }

        public JsonNode config() {
            return node.get("config");
        }

        /** Normwise bound for a float32 backend against PyTorch float64. */
        public double f32Tolerance() {
            return node.get("tolerance").get("f32_vs_torch_f64").asDouble();
        }

        /** Normwise bound for the float64 oracle against PyTorch float64. */
        public double f64Tolerance() {
            return node.get("tolerance").get("f64_vs_torch_f64").asDouble();
        }

        /**
         * The normwise bound for one output: float32 ({@code f64 == false}) or float64 backends. The
         * generator widens the case bound where PyTorch's own float32 result is far from its float64
         * one (ill-conditioned outputs), and says so in the manifest.
         */
        public double tolerance(String output, boolean f64) {
            JsonNode o = node.get("outputs").get(output);
            String key = f64 ? "tolerance_f64" : "tolerance_f32";
            if (o != null && o.has(key)) return o.get(key).asDouble();
            return f64 ? f64Tolerance() : f32Tolerance();
        }

        /** PyTorch's own float32-vs-float64 error for this output (context for an auditor). */
        public double torchF32Error(String output) {
            return node.get("outputs").get(output).get("torch_f32_vs_f64").asDouble();
        }

        public List<String> inputNames() {
            return names(node.get("inputs"));
        }

        public List<String> outputNames() {
            return names(node.get("outputs"));
        }

        public boolean hasInput(String key) {
            return node.get("inputs").has(key);
        }

        private GoldenFile file() {
            return Goldens.this.file(node.get("file").asText());
        }

        public int[] inputShape(String key) {
            return file().shape(name() + "/" + key);
        }

        public double[] input(String key) {
            return file().doubles(name() + "/" + key);
        }

        /** An input as a tensor on {@code backend}. */
        public Tensor input(String key, Backend backend) {
            return backend.fromDoubles(input(key), inputShape(key));
        }

        public int[] outputShape(String key) {
            return file().shape(name() + "/" + key + "/f64");
        }

        /** PyTorch's result in float64 ({@code f64}) or float32. */
        public double[] output(String key, boolean f64) {
            return file().doubles(name() + "/" + key + (f64 ? "/f64" : "/f32"));
        }
    }

    private static List<String> names(JsonNode obj) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) out.add(it.next());
        return out;
    }

    private Goldens(JsonNode manifest) {
        this.manifest = manifest;
        for (JsonNode c : manifest.get("cases")) cases.add(new Case(c));
    }

    /** Loads the manifest from the classpath. */
    public static Goldens load() {
        try (InputStream in = Goldens.class.getResourceAsStream("/goldens/manifest.json")) {
            if (in == null) {
                throw new IllegalStateException("/goldens/manifest.json is not on the classpath; run /usr/bin/python3 "
                        + "verify/goldens/generate.py and rebuild the verify module");
            }
            return new Goldens(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /goldens/manifest.json: " + e.getMessage(), e);
        }
    }

    public String generatorSha256() {
        return manifest.get("generator_sha256").asText();
    }

    public String torchVersion() {
        return manifest.get("torch_version").asText();
    }

    public List<Case> cases() {
        return cases;
    }

    public Case get(String name) {
        for (Case c : cases) if (c.name().equals(name)) return c;
        throw new IllegalArgumentException("no golden case named '" + name + "' in /goldens/manifest.json");
    }

    /** Cases grouped by layer, in manifest order. */
    public Map<String, List<Case>> byLayer() {
        Map<String, List<Case>> out = new LinkedHashMap<>();
        for (Case c : cases) out.computeIfAbsent(c.layer(), k -> new ArrayList<>()).add(c);
        return out;
    }

    synchronized GoldenFile file(String name) {
        return files.computeIfAbsent(name, n -> GoldenFile.resource("/goldens/" + n));
    }
}
