package org.resnet4j.app.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the fuzz targets of this module share: the bounded CI duration and a scratch file rewritten per input. */
public final class FuzzScratch {
    /** How long {@code ./run-tests} fuzzes each target; longer local runs override it (ops/README). */
    public static final String CI_DURATION = "15s";

    private FuzzScratch() {}

    /** In memory (/dev/shm) where there is one: fuzzing rewrites it for each of millions of inputs. */
    public static Path file(String name) {
        try {
            Path dir = Files.createTempDirectory(memory(), "resnet4j-fuzz");
            dir.toFile().deleteOnExit();
            Path f = dir.resolve(name);
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
