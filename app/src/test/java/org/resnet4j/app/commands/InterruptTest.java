package org.resnet4j.app.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.data.TestFiles;
import org.resnet4j.ops.io.SafeTensors;

/** A real training process stopped by Ctrl-C (SIGINT) leaves only complete files and says how to resume. */
class InterruptTest {
    @TempDir Path dir;

    @Test
    void stoppingTheProcessKeepsCompleteFilesAndSaysWhereTheCheckpointIs() throws Exception {
        Path data = dir.resolve("data"), out = dir.resolve("out");
        TestFiles.writeIdxSet(data, "train", 16, 8, 8, 10, false);
        TestFiles.writeIdxSet(data, "t10k", 4, 8, 8, 10, false);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "org.resnet4j.app.Main", "train", "--data", data.toString(), "--out", out.toString(), "--epochs", "1000",
                "--batch-size", "8", "--threads", "1")
                .redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(dir.resolve("stderr.txt").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(out.resolve("checkpoint.safetensors")) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(100);
            assertThat(out.resolve("checkpoint.safetensors")).as(Files.readString(dir.resolve("stderr.txt"))).exists();
            Thread.sleep(300); // most likely in the middle of the next epoch or its saving
            // Ctrl-C: SIGINT to the process (SIGTERM, which also runs the shutdown hooks, where kill is missing)
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
            if (kill.waitFor() != 0) p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        String err = Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8);
        assertThat(err).contains("interrupted; last checkpoint: " + out.resolve("checkpoint.safetensors"), "--resume");
        try (Stream<Path> s = Files.list(out)) {
            List<String> names = s.map(f -> f.getFileName().toString()).toList();
            assertThat(names).noneMatch(n -> n.endsWith(".tmp"));
        }
        for (String f : new String[] {"checkpoint.safetensors", "last.safetensors", "best.safetensors"}) {
            assertThat(SafeTensors.read(out.resolve(f)).tensors()).isNotEmpty();
        }
    }
}
