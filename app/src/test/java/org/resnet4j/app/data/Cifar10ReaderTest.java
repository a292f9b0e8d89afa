package org.resnet4j.app.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10ReaderTest {
    @TempDir Path dir;

    @Test
    void readsRecordsAsChw() throws Exception {
        Path f = dir.resolve("test_batch.bin");
        Files.write(f, TestFiles.cifar(3));
        Dataset ds = Cifar10Reader.read(List.of(f));
        assertThat(ds.size()).isEqualTo(3);
        assertThat(ds.imageShape()).containsExactly(3, 32, 32);
        assertThat(ds.labels()).containsExactly(0, 1, 2);
        // image 2, green plane (k = 1024), first pixel: (2 + 1024) mod 256 = 2
        assertThat(ds.images()[2 * 3072 + 1024]).isEqualTo(2 / 255f);
        assertThat(ds.classNames()).hasSize(10).first().isEqualTo("airplane");
    }

    @Test
    void concatenatesBatchesAndDetectsTheFolder() throws Exception {
        Path d = dir.resolve("cifar-10-batches-bin");
        Files.createDirectories(d);
        Files.write(d.resolve("data_batch_1.bin"), TestFiles.cifar(2));
        Files.write(d.resolve("data_batch_2.bin"), TestFiles.cifar(3));
        Files.write(d.resolve("test_batch.bin"), TestFiles.cifar(1));
        assertThat(DataFormat.detect(dir)).isEqualTo(DataFormat.CIFAR10);
        assertThat(DataSets.load(dir, null, true).size()).isEqualTo(5);
        assertThat(DataSets.load(dir, null, false).size()).isEqualTo(1);
    }

    @Test
    void wrongSizeNamesFileExpectedAndActual() throws Exception {
        Path f = dir.resolve("data_batch_1.bin");
        Files.write(f, java.util.Arrays.copyOf(TestFiles.cifar(2), 2 * 3073 - 10));
        assertThatThrownBy(() -> Cifar10Reader.read(List.of(f))).isInstanceOf(DataFileException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("multiple of 3073").hasMessageContaining("6136 bytes");
    }

    @Test
    void labelOutOfRange() throws Exception {
        byte[] b = TestFiles.cifar(2);
        b[3073] = 10;
        Path f = dir.resolve("data_batch_1.bin");
        Files.write(f, b);
        assertThatThrownBy(() -> Cifar10Reader.read(List.of(f))).hasMessageContaining("label 10 in record 1");
    }
}
