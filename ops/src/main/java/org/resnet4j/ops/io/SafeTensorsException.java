package org.resnet4j.ops.io;

import java.io.IOException;
import java.nio.file.Path;

/** A safetensors file that cannot be read as one: names the file, the tensor (if any) and the problem. */
public final class SafeTensorsException extends IOException {
    public SafeTensorsException(Path file, String tensor, String problem) {
        super(file + (tensor == null ? "" : ", tensor '" + tensor + "'") + ": " + problem);
    }
}
