package org.resnet4j.app.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Loads the training or test split of a data set folder in any {@link DataFormat}. */
public final class DataSets {
    /** Where Debian's {@code dataset-fashion-mnist} puts Fashion-MNIST; the default of {@code train}. */
    public static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    public static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private DataSets() {}

    /** Loads one split; {@code format} null means detect it from the folder's files. */
    public static Dataset load(Path dir, DataFormat format, boolean train) throws IOException {
        if (!Files.isDirectory(dir)) {
            String hint = dir.equals(FASHION_MNIST)
                    ? "install it with 'apt-get install dataset-fashion-mnist', or point --data DIR at a folder with IDX or CIFAR-10 files"
                    : "give --data a folder holding IDX (MNIST/Fashion-MNIST) or CIFAR-10 binary files";
            throw new DataFileException("data set folder " + dir + " does not exist: " + hint);
        }
        DataFormat f = format != null ? format : DataFormat.detect(dir);
        return switch (f) {
            case IDX -> loadIdx(dir, train);
            case CIFAR10 -> loadCifar(dir, train);
        };
    }

    private static Dataset loadIdx(Path dir, boolean train) throws IOException {
        String split = train ? "train" : "t10k";
        Path images = DataFormat.find(dir, split + "-images");
        Path labels = DataFormat.find(dir, split + "-labels");
        if (images == null || labels == null) {
            throw new DataFileException(dir + ": expected IDX files " + split + "-images-idx3-ubyte[.gz] and " + split
                    + "-labels-idx1-ubyte[.gz] but found " + DataFormat.listing(dir));
        }
        List<String> classes = dir.toAbsolutePath().toString().toLowerCase(Locale.ROOT).contains("fashion")
                ? FASHION_CLASSES : DIGITS;
        int[] shape = new int[3];
        float[] im = IdxReader.readImages(images, shape);
        int[] lb = IdxReader.readLabels(labels, classes.size());
        if (lb.length != shape[0]) {
            throw new DataFileException(labels, shape[0] + " labels, one per image of " + images.getFileName(),
                    lb.length + " labels");
        }
        return new Dataset(images.toString(), im, lb, 1, shape[1], shape[2], classes);
    }

    private static Dataset loadCifar(Path dir, boolean train) throws IOException {
        Path d = Files.isDirectory(dir.resolve("cifar-10-batches-bin")) ? dir.resolve("cifar-10-batches-bin") : dir;
        List<Path> files = new ArrayList<>();
        if (train) {
            for (int i = 1; i <= 5; i++) {
                Path p = d.resolve("data_batch_" + i + ".bin");
                if (Files.isRegularFile(p)) files.add(p);
            }
        } else if (Files.isRegularFile(d.resolve("test_batch.bin"))) {
            files.add(d.resolve("test_batch.bin"));
        }
        if (files.isEmpty()) {
            throw new DataFileException(d + ": expected CIFAR-10 binary " + (train ? "data_batch_1.bin ... data_batch_5.bin" : "test_batch.bin")
                    + " but found " + DataFormat.listing(d));
        }
        return Cifar10Reader.read(files);
    }
}
