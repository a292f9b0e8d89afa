package org.resnet4j.app.train;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.app.data.Normalization;

/**
 * What eval and predict need to use saved weights the way training did: the model's name and shape,
 * the input size, the normalization and the class names. Stored as {@code info.*} metadata in
 * {@code last.safetensors}, {@code best.safetensors} and the training checkpoint.
 */
public record RunInfo(String model, int inChannels, int numClasses, int height, int width, Normalization norm,
                      List<String> classes) {
    /** Largest input side a run description may name (ImageNet models use 224). */
    static final int MAX_SIDE = 8192;

    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("info.model", model);
        m.put("info.in_channels", Integer.toString(inChannels));
        m.put("info.num_classes", Integer.toString(numClasses));
        m.put("info.input_size", height + "x" + width);
        m.put("info.mean", join(norm.mean()));
        m.put("info.std", join(norm.std()));
        m.put("info.classes", String.join("|", classes));
        return m;
    }

    /** Reads the metadata back; null when the file was not written by {@code train} (e.g. a PyTorch export). */
    public static RunInfo fromMetadata(Map<String, String> m, Path file) {
        if (!m.containsKey("info.model")) return null;
        try {
            String[] size = get(m, "info.input_size").split("x");
            if (size.length != 2) throw new IllegalArgumentException("info.input_size must be HxW, got '" + m.get("info.input_size") + "'");
            RunInfo info = new RunInfo(m.get("info.model"), Integer.parseInt(get(m, "info.in_channels")),
                    Integer.parseInt(get(m, "info.num_classes")), Integer.parseInt(size[0]), Integer.parseInt(size[1]),
                    new Normalization(floats(get(m, "info.mean")), floats(get(m, "info.std"))), List.of(get(m, "info.classes").split("\\|")));
            // predict allocates images of this size: a damaged value must not become an absurd allocation
            if (info.inChannels < 1 || info.numClasses < 1 || info.height < 1 || info.width < 1
                    || info.height > MAX_SIDE || info.width > MAX_SIDE) {
                throw new IllegalArgumentException("channels " + info.inChannels + ", classes " + info.numClasses + ", input size "
                        + info.height + "x" + info.width + " (expected positive values, sides at most " + MAX_SIDE + ")");
            }
            if (info.norm.channels() != info.inChannels) {
                throw new IllegalArgumentException("the normalization has " + info.norm.channels() + " channels, the input " + info.inChannels);
            }
            return info;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": damaged run description in its metadata (" + e.getMessage() + ")", e);
        }
    }

    private static String get(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) throw new IllegalArgumentException("missing " + key);
        return v;
    }

    private static String join(float[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ",").append(Float.toString(v[i]));
        return sb.toString();
    }

    private static float[] floats(String s) {
        String[] p = s.split(",");
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) out[i] = Float.parseFloat(p[i]);
        return out;
    }

    @Override
    public String toString() {
        return model + " (" + inChannels + "x" + height + "x" + width + " -> " + numClasses + " classes, mean "
                + Arrays.toString(norm.mean()) + ", std " + Arrays.toString(norm.std()) + ")";
    }
}
