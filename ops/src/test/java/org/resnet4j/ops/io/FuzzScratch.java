package org.resnet4j.ops.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the fuzz targets of this package share: the bounded CI duration and a scratch file rewritten per input. */
final class FuzzScratch {
    /** How long {@code ./run-tests} fuzzes each target; longer local runs override it (ops/README). */
    static final String CI_DURATION = "15s";

    private FuzzScratch() {}

    static Path file(String suffix) {
        try {
            Path f = Files.createTempFile("resnet4j-fuzz", suffix);
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
