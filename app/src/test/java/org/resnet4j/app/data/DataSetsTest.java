package org.resnet4j.app.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSetsTest {
    @TempDir Path dir;

    @Test
    void detectsIdxAndLoadsBothSplits() throws Exception {
        Path d = dir.resolve("fashion-test");
        TestFiles.writeIdxSet(d, "train", 6, 5, 5, 10, true);
        TestFiles.writeIdxSet(d, "t10k", 2, 5, 5, 10, false);
        assertThat(DataFormat.detect(d)).isEqualTo(DataFormat.IDX);
        Dataset train = DataSets.load(d, null, true);
        assertThat(train.size()).isEqualTo(6);
        assertThat(train.imageShape()).containsExactly(1, 5, 5);
        assertThat(train.classNames()).isEqualTo(DataSets.FASHION_CLASSES);
        assertThat(DataSets.load(d, null, false).size()).isEqualTo(2);
        assertThat(train.limit(4).size()).isEqualTo(4);
    }

    @Test
    void unknownFolderListsWhatItFound() throws Exception {
        Files.writeString(dir.resolve("readme.txt"), "x");
        assertThatThrownBy(() -> DataFormat.detect(dir)).hasMessageContaining("readme.txt").hasMessageContaining("--format");
    }

    @Test
    void missingDefaultDataSetSaysHowToInstallIt() {
        if (Files.isDirectory(DataSets.FASHION_MNIST)) {
            assertThatThrownBy(() -> DataSets.load(dir.resolve("absent"), null, true)).hasMessageContaining("absent")
                    .hasMessageContaining("--data");
        } else {
            assertThatThrownBy(() -> DataSets.load(DataSets.FASHION_MNIST, null, true))
                    .hasMessageContaining("apt-get install dataset-fashion-mnist").hasMessageContaining("--data");
        }
    }

    @Test
    void formatNames() {
        assertThat(DataFormat.parse("CIFAR10")).isEqualTo(DataFormat.CIFAR10);
        assertThat(DataFormat.parse("idx")).isEqualTo(DataFormat.IDX);
        assertThatThrownBy(() -> DataFormat.parse("jpeg")).hasMessageContaining("jpeg").hasMessageContaining("idx or cifar10");
    }
}
