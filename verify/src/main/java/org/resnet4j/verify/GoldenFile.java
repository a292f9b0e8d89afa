package org.resnet4j.verify;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import org.resnet4j.ops.io.SafeTensors;

/**
 * A committed golden safetensors file read with the project's {@link SafeTensors} reader. Goldens
 * travel as classpath resources; inside a jar there is no file to open, so such a resource is copied
 * to a temporary file first.
 */
public final class GoldenFile {
    private final String source;
    private final SafeTensors.Contents contents;

    private GoldenFile(String source, SafeTensors.Contents contents) {
        this.source = source;
        this.contents = contents;
    }

    /** Loads a file from the classpath, e.g. {@code /goldens/conv.safetensors}. */
    public static GoldenFile resource(String path) {
        URL url = GoldenFile.class.getResource(path);
        if (url == null) {
            throw new IllegalStateException("golden file " + path + " is not on the classpath; regenerate the goldens with "
                    + "/usr/bin/python3 verify/goldens/generate.py and rebuild");
        }
        try {
            if (url.getProtocol().equals("file")) return new GoldenFile(path, SafeTensors.read(Path.of(url.toURI())));
            Path tmp = Files.createTempFile("resnet4j-golden-", ".safetensors");
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                return new GoldenFile(path, SafeTensors.read(tmp));
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot read golden file " + path + ": " + e.getMessage(), e);
        }
    }

    public Set<String> names() {
        return contents.tensors().keySet();
    }

    public boolean has(String name) {
        return contents.tensors().containsKey(name);
    }

    public int[] shape(String name) {
        return get(name).shape();
    }

    public String dtype(String name) {
        return get(name).dtype().name();
    }

    private org.resnet4j.ops.io.StoredTensor get(String name) {
        var t = contents.tensors().get(name);
        if (t == null) throw new IllegalArgumentException(source + " has no tensor named '" + name + "'");
        return t;
    }

    /** The tensor's values (exact: F32 and I64 up to 2^53 convert to double without loss). */
    public double[] doubles(String name) {
        return get(name).toDoubles();
    }
}
