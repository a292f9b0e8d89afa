package org.resnet4j.core.cpu;

import java.util.Locale;

/**
 * The -D switch of one convolution path (Winograd, DirectConv): auto (where the path pays), always (wherever it
 * applies) or never. Read at the first convolution that asks, not at class initialization, so that a malformed
 * value is an IllegalArgumentException from that convolution (one line on the command line), not a failed class
 * initialization.
 */
final class ConvPathMode {
    private final String property;
    private volatile String mode;

    ConvPathMode(String property) {
        this.property = property;
    }

    /** The mode a value names, case and surrounding blanks aside; otherwise an error naming the property. */
    String parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("auto") || v.equals("always") || v.equals("never")) return v;
        throw new IllegalArgumentException("-D" + property + " must be auto, always or never, got '" + value
                + "'; leave it out for auto");
    }

    String get() {
        String m = mode;
        if (m == null) mode = m = parse(System.getProperty(property, "auto"));
        return m;
    }

    /** Sets the mode from now on (tests and benchmarks compare the paths with it), or with null reads the property again. */
    void set(String value) {
        mode = value == null ? null : parse(value);
    }

    /** Whether a convolution takes the path: always where it applies, never, or (auto) where it applies and pays. */
    boolean chosen(boolean applies, boolean pays) {
        return switch (get()) {
            case "always" -> applies;
            case "never" -> false;
            default -> applies && pays;
        };
    }
}
