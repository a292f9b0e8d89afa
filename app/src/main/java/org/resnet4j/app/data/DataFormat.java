package org.resnet4j.app.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** The data set layouts {@code --data} understands, and how each is recognised in a folder. */
public enum DataFormat {
    /** MNIST / Fashion-MNIST: train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-... */
    IDX,
    /** CIFAR-10 binary version: data_batch_1..5.bin and test_batch.bin (or their folder cifar-10-batches-bin). */
    CIFAR10;

    public static DataFormat parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "idx", "mnist", "fashion-mnist" -> IDX;
            case "cifar10", "cifar-10", "cifar" -> CIFAR10;
            default -> throw new IllegalArgumentException("unknown data format '" + s + "': expected idx or cifar10");
        };
    }

    /** Looks at the files in {@code dir} and says which layout it holds. */
    public static DataFormat detect(Path dir) throws IOException {
        if (find(dir, "train-images") != null) return IDX;
        if (Files.isRegularFile(dir.resolve("data_batch_1.bin")) || Files.isRegularFile(dir.resolve("test_batch.bin"))
                || Files.isDirectory(dir.resolve("cifar-10-batches-bin"))) {
            return CIFAR10;
        }
        throw new DataFileException(dir + ": expected an IDX data set (train-images-idx3-ubyte[.gz], ...) or CIFAR-10 "
                + "binary batches (data_batch_1.bin ... test_batch.bin) but found " + listing(dir)
                + "; give --data a folder holding one of them, or --format");
    }

    /** The first regular file in {@code dir} whose name starts with {@code prefix}, or null. */
    static Path find(Path dir, String prefix) throws IOException {
        if (!Files.isDirectory(dir)) return null;
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isRegularFile(p))
                    .sorted().findFirst().orElse(null);
        }
    }

    static String listing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return "no such folder";
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = new ArrayList<>(s.map(p -> p.getFileName().toString()).sorted().limit(8).toList());
            return names.isEmpty() ? "an empty folder" : String.join(", ", names);
        }
    }
}
