package org.resnet4j.app.data;

import java.nio.file.Path;

/** A data file that is not what its format promises: names the file, what was expected and what was found. */
public final class DataFileException extends IllegalArgumentException {
    public DataFileException(Path file, String expected, String actual) {
        super(file + ": expected " + expected + " but found " + actual);
    }

    public DataFileException(String message) {
        super(message);
    }
}
