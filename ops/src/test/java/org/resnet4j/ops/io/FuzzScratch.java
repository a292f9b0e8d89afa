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

    /** In memory (/dev/shm) where there is one: fuzzing rewrites it for each of millions of inputs. */
    static Path file(String suffix) {
        try {
            Path f = Files.createTempFile(memory(), "resnet4j-fuzz", suffix);
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path memory() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }
}
