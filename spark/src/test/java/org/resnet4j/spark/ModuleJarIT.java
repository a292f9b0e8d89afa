package org.resnet4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/** The packaged jar drops into a cluster: our classes only, none of Spark's or Scala's (the cluster provides them). */
class ModuleJarIT {
    @Test
    void jarCarriesOurClassesAndNoSparkOrScala() throws IOException {
        Path jar = Path.of(System.getProperty("resnet4j.spark.jar"));
        assertThat(jar).exists();
        List<String> names;
        try (JarFile f = new JarFile(jar.toFile())) {
            names = f.stream().map(ZipEntry::getName).toList();
        }
        assertThat(names).contains("org/resnet4j/spark/SparkMain.class", "org/resnet4j/spark/SparkGradients.class");
        assertThat(names).filteredOn(n -> n.endsWith(".class")).allMatch(n -> n.startsWith("org/resnet4j/spark/"));
        assertThat(names).noneMatch(n -> n.startsWith("org/apache/") || n.startsWith("scala/"));
        assertThat(Files.size(jar)).as("bytes: a jar with Spark inside would be hundreds of MB").isLessThan(1_000_000);
    }
}
