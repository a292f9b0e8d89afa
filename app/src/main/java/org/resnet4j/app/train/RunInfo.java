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
            String[] size = m.get("info.input_size").split("x");
            return new RunInfo(m.get("info.model"), Integer.parseInt(m.get("info.in_channels")), Integer.parseInt(m.get("info.num_classes")),
                    Integer.parseInt(size[0]), Integer.parseInt(size[1]),
                    new Normalization(floats(m.get("info.mean")), floats(m.get("info.std"))), List.of(m.get("info.classes").split("\\|")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": damaged run description in its metadata (" + e.getMessage() + ")", e);
        }
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
