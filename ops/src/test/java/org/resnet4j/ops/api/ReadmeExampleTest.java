package org.resnet4j.ops.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.io.StateDict;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

/** Compiles and runs, unchanged, the embedding example shown in the repository's README.md. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeExampleCompilesAndRuns() throws Exception {
        String source = readmeExample();
        Path src = dir.resolve("src");
        Path classes = dir.resolve("classes");
        Files.createDirectories(src);
        Files.createDirectories(classes);
        Path file = src.resolve("Example.java");
        Files.writeString(file, source);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path"), file.toString());
        assertThat(rc).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();

        // the example's inputs: a resnet18 state_dict and a picture
        Path weights = dir.resolve("resnet18.safetensors");
        StateDict.save(ModelZoo.create("resnet18"), weights);
        Path picture = dir.resolve("cat.png");
        BufferedImage img = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillOval(40, 30, 200, 150);
        g.dispose();
        ImageIO.write(img, "png", picture.toFile());
        Path tuned = dir.resolve("tuned.safetensors");

        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass("Example").getMethod("main", String[].class);
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[] {weights.toString(), picture.toString(), tuned.toString()});
        } finally {
            System.setOut(original);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3).allMatch(l -> l.matches("\\d+ 0\\.\\d{4}"));

        Module reloaded = ModelZoo.create("resnet18", ModelOptions.defaults().numClasses(5));
        assertThat(StateDict.load(reloaded, tuned).isComplete()).isTrue();
    }

    /** The Java block between the readme-example markers of README.md (found from the module folder up). */
    static String readmeExample() throws IOException {
        Path readme = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null && readme == null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("README.md")) && Files.isRegularFile(d.resolve("run-tests"))) readme = d.resolve("README.md");
        }
        assertThat(readme).as("the repository's README.md above " + Path.of("").toAbsolutePath()).isNotNull();
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int begin = text.indexOf("<!-- readme-example:begin -->"), end = text.indexOf("<!-- readme-example:end -->");
        assertThat(begin).as("README.md has the readme-example markers").isGreaterThanOrEqualTo(0);
        String block = text.substring(begin, end);
        int code = block.indexOf("```java\n") + "```java\n".length();
        return block.substring(code, block.lastIndexOf("```"));
    }
}
