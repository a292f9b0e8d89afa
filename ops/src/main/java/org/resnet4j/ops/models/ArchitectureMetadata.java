package org.resnet4j.ops.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.resnet4j.ops.Module;

/**
 * The architecture a checkpoint's weights belong to, as safetensors {@code __metadata__} strings: the
 * model's name and every option it was built with, under {@code resnet4j.*} keys.
 *
 * <pre>
 * resnet4j.model                        resnet50
 * resnet4j.num_classes                  10
 * resnet4j.in_channels                  3
 * resnet4j.groups                       1
 * resnet4j.width_per_group              64
 * resnet4j.replace_stride_with_dilation false,true,true
 * resnet4j.zero_init_residual           false
 * </pre>
 *
 * Only the options the model takes are written. Why it matters: a dilated ResNet-50 has exactly the
 * parameter shapes of a plain one, so its weights load strictly into either, and only one gives the
 * right outputs. {@link #check} compares a file's record with the architecture asked for; files
 * without a record (torchvision exports) are not checked, and {@link #assumption} says what had to be
 * assumed for them. {@code zero_init_residual} is recorded but not checked: it decides only the
 * initial values, which loaded weights replace.
 */
public final class ArchitectureMetadata {
    public static final String PREFIX = "resnet4j.";
    public static final String MODEL = PREFIX + "model";
    public static final String NUM_CLASSES = PREFIX + "num_classes";
    public static final String IN_CHANNELS = PREFIX + "in_channels";
    public static final String GROUPS = PREFIX + "groups";
    public static final String WIDTH_PER_GROUP = PREFIX + "width_per_group";
    public static final String DILATION = PREFIX + "replace_stride_with_dilation";
    public static final String ZERO_INIT_RESIDUAL = PREFIX + "zero_init_residual";

    private ArchitectureMetadata() {}

    /** A file's record: the model's name and its options (those the record holds; the rest unset). */
    public record Recorded(String model, ModelOptions options) {}

    /** One option whose recorded value differs from the requested one. */
    public record Mismatch(String option, String checkpointValue, String requestedValue) {}

    /** Weights recorded as one architecture, loaded as another. Nothing was loaded. */
    public static final class MismatchException extends IllegalArgumentException {
        private final transient List<Mismatch> mismatches;

        MismatchException(String source, String model, List<Mismatch> mismatches) {
            super(source + " holds weights of another architecture than the one requested (" + model + "): " + mismatches.stream()
                    .map(m -> "option " + m.option() + ": checkpoint " + m.checkpointValue() + ", requested " + m.requestedValue())
                    .collect(Collectors.joining("; "))
                    + ". Build the model with the checkpoint's values (command line: " + mismatches.stream()
                    .map(m -> flag(m.option(), m.checkpointValue())).collect(Collectors.joining(" ")) + ").");
            this.mismatches = List.copyOf(mismatches);
        }

        public List<Mismatch> mismatches() {
            return mismatches;
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * The record of {@code model} built as {@code name} with {@code options}: every option the model
     * takes, at the value the model applies (see {@link ModelZoo#effectiveOptions}); the number of
     * classes is read from the model's head when the options leave it unset.
     */
    public static Map<String, String> of(String name, ModelOptions options, Module model) {
        ModelOptions o = ModelZoo.effectiveOptions(name, options);
        Map<String, String> m = new LinkedHashMap<>();
        m.put(MODEL, ModelZoo.canonicalName(name));
        Integer classes = o.numClasses() != null ? o.numClasses() : model instanceof HasClassifierHead h ? h.numClasses() : null;
        if (classes != null) m.put(NUM_CLASSES, classes.toString());
        if (o.inChannels() != null) m.put(IN_CHANNELS, o.inChannels().toString());
        if (o.groups() != null) m.put(GROUPS, o.groups().toString());
        if (o.widthPerGroup() != null) m.put(WIDTH_PER_GROUP, o.widthPerGroup().toString());
        if (ModelZoo.takesDilation(name)) m.put(DILATION, dilation(o.replaceStrideWithDilation()));
        if (ModelZoo.takesZeroInitResidual(name)) m.put(ZERO_INIT_RESIDUAL, Boolean.toString(o.zeroInitResidual()));
        return m;
    }

    // ------------------------------------------------------------------ reading

    /** The file's record, or null when it has none (e.g. a torchvision export). A damaged value is an error naming it. */
    public static Recorded read(Map<String, String> metadata, String source) {
        String model = metadata.get(MODEL);
        if (model == null) return null;
        ModelOptions o = ModelOptions.defaults();
        try {
            if (metadata.containsKey(NUM_CLASSES)) o = o.numClasses(positive(metadata, NUM_CLASSES));
            if (metadata.containsKey(IN_CHANNELS)) o = o.inChannels(positive(metadata, IN_CHANNELS));
            if (metadata.containsKey(GROUPS)) o = o.groups(positive(metadata, GROUPS));
            if (metadata.containsKey(WIDTH_PER_GROUP)) o = o.widthPerGroup(positive(metadata, WIDTH_PER_GROUP));
            if (metadata.containsKey(DILATION)) {
                boolean[] d = parseDilation(metadata.get(DILATION));
                o = o.replaceStrideWithDilation(d[0], d[1], d[2]);
            }
            if (metadata.containsKey(ZERO_INIT_RESIDUAL)) o = o.zeroInitResidual(bool(metadata, ZERO_INIT_RESIDUAL));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": damaged architecture record in its metadata (" + e.getMessage() + ")", e);
        }
        return new Recorded(model, o);
    }

    /**
     * Refuses weights recorded as another architecture than {@code name} with {@code requested}: the
     * model's name and every recorded option (the number of classes and input channels only where
     * requested). A file without a record passes.
     */
    public static void check(Map<String, String> metadata, String name, ModelOptions requested, String source) {
        Recorded r = read(metadata, source);
        if (r == null) return;
        List<Mismatch> bad = new ArrayList<>();
        String want = ModelZoo.canonicalName(name);
        if (!r.model().equals(want)) {
            bad.add(new Mismatch("model", r.model(), want));
            throw new MismatchException(source, want, bad);
        }
        ModelOptions req = requested == null ? ModelOptions.defaults() : requested;
        ModelOptions eff = ModelZoo.effectiveOptions(name, req);
        ModelOptions got = r.options();
        if (req.numClasses() != null) compare(bad, "num_classes", got.numClasses(), req.numClasses());
        if (req.inChannels() != null) compare(bad, "in_channels", got.inChannels(), req.inChannels());
        compare(bad, "groups", got.groups(), eff.groups());
        compare(bad, "width_per_group", got.widthPerGroup(), eff.widthPerGroup());
        if (metadata.containsKey(DILATION) && !Arrays.equals(got.replaceStrideWithDilation(), eff.replaceStrideWithDilation())) {
            bad.add(new Mismatch("replace_stride_with_dilation", dilation(got.replaceStrideWithDilation()),
                    dilation(eff.replaceStrideWithDilation())));
        }
        if (!bad.isEmpty()) throw new MismatchException(source, want, bad);
    }

    /**
     * What a file without a record leaves open: for models whose weights fit several architectures
     * (torchvision's Bottleneck ResNets, with any replace_stride_with_dilation), the setting assumed,
     * in one sentence; null when the file has a record or the shapes decide everything.
     */
    public static String assumption(Map<String, String> metadata, String name, ModelOptions requested, String source) {
        if (metadata.containsKey(MODEL) || !ModelZoo.takesDilation(name)) return null;
        ModelOptions eff = ModelZoo.effectiveOptions(name, requested);
        return source + " carries no architecture record (" + MODEL + " and the options), and its shapes fit " + name
                + " with any replace_stride_with_dilation: assumed replace_stride_with_dilation="
                + dilation(eff.replaceStrideWithDilation()) + " (groups=" + eff.groups() + ", width_per_group=" + eff.widthPerGroup()
                + " follow from the shapes). If the weights come from a model built otherwise, pass --replace-stride-with-dilation.";
    }

    // ------------------------------------------------------------------ values

    /** {@code false,true,true}: the command line's spelling, also used in the record. */
    public static String dilation(boolean[] d) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < d.length; i++) sb.append(i == 0 ? "" : ",").append(d[i]);
        return sb.toString();
    }

    static boolean[] parseDilation(String s) {
        String[] p = s.split(",", -1);
        if (p.length != 3) throw new IllegalArgumentException(DILATION + " must be 3 booleans, got '" + s + "'");
        boolean[] d = new boolean[3];
        for (int i = 0; i < 3; i++) d[i] = bool(p[i].trim(), DILATION);
        return d;
    }

    private static void compare(List<Mismatch> bad, String option, Integer recorded, Integer requested) {
        if (recorded != null && !Objects.equals(recorded, requested)) {
            bad.add(new Mismatch(option, recorded.toString(), String.valueOf(requested)));
        }
    }

    private static int positive(Map<String, String> m, String key) {
        try {
            int v = Integer.parseInt(m.get(key).trim());
            if (v < 1) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a positive integer, got '" + m.get(key) + "'");
        }
    }

    private static boolean bool(Map<String, String> m, String key) {
        return bool(m.get(key).trim(), key);
    }

    private static boolean bool(String v, String key) {
        if (v.equals("true")) return true;
        if (v.equals("false")) return false;
        throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
    }

    private static String flag(String option, String value) {
        return switch (option) {
            case "model" -> "--model " + value;
            case "num_classes", "in_channels" -> option + "=" + value + " (set by the data set or the head)";
            case "replace_stride_with_dilation" -> "--replace-stride-with-dilation=" + value;
            default -> "--" + option.replace('_', '-') + "=" + value;
        };
    }
}
