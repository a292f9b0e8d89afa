package org.resnet4j.app.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.data.TestFiles;
import org.resnet4j.app.train.MetricsLog;
import org.resnet4j.app.train.Trainer;
import org.resnet4j.ops.io.AtomicFile;
import org.resnet4j.ops.io.SafeTensors;

/**
 * A real {@code train} process killed with SIGKILL again and again, many times inside a save: after every
 * kill each file in the run folder is complete and loadable, no temporary file is taken for a checkpoint,
 * {@code --resume} continues from the checkpoint on disk, and the run that was killed and resumed ends with
 * the same bytes as one that never stopped.
 *
 * <p>The child runs with {@link AtomicFile#BLOCK_DELAY_PROPERTY}, so each save lasts tens of milliseconds,
 * and most kills are aimed: the test waits for the temporary file of a chosen save to appear and kills
 * then. That a kill did land inside a write is proven by what it leaves: {@link AtomicFile} deletes its
 * temporary file on every error and renames it on success, so a temporary file still there after the
 * process is gone was being written (or forced to disk) when the process died.
 */
class KillDuringSaveTest {
    /** The killed run is started for more epochs than it will ever reach; it is finished with --epochs given again. */
    private static final int KILLS = 22, OPEN_ENDED = 1000;
    private static final long BLOCK_DELAY_MS = 2;
    private static final Pattern LEFTOVER = Pattern.compile("\\.(.+)\\.[0-9a-z]+\\.tmp");
    private static final Pattern RESUMED = Pattern.compile("resumed from (\\S+) after epoch (\\d+) \\(step (\\d+)\\)");
    private static final Pattern EPOCH_DONE = Pattern.compile("(?m)^epoch (\\d+)/\\d+: train loss");

    @TempDir Path dir;
    private Path data;

    /** Where a kill is aimed: the {@code occurrence}-th save of {@code file} in this process, or (file null) a moment. */
    private record Aim(String file, int occurrence, int maxDelayMs, long atMs) {
        static Aim save(String file, int occurrence, int maxDelayMs) {
            return new Aim(file, occurrence, maxDelayMs, 0);
        }

        static Aim moment(long ms) {
            return new Aim(null, 0, 0, ms);
        }

        /** A best-model save happens only when the test accuracy improves: wait for one at most this many epochs. */
        static final int BEST_WAIT_EPOCHS = 3;

        @Override
        public String toString() {
            return file == null ? "at " + atMs + " ms" : file + " save #" + occurrence;
        }
    }

    @Test
    void killedAtRandomMomentsAndInsideSavesEveryFileStaysWholeAndTheResumedRunEndsBitIdentical() throws Exception {
        data = dir.resolve("data");
        TestFiles.writeIdxSet(data, "train", 32, 8, 8, 10, false);
        TestFiles.writeIdxSet(data, "t10k", 8, 8, 8, 10, false);
        Path whole = dir.resolve("whole"), killed = dir.resolve("killed");

        Random rnd = new Random(21);
        Map<String, Integer> insideSaves = new TreeMap<>();
        List<String> story = new ArrayList<>();
        int epochOnDisk = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            boolean resume = Files.exists(killed.resolve(Trainer.CHECKPOINT));
            Path log = dir.resolve("launch" + kill + ".txt");
            Aim aim = aim(kill, rnd);
            Process p = train(killed, resume, OPEN_ENDED, BLOCK_DELAY_MS, log);
            try {
                killWhenAimed(p, killed, aim, rnd);
            } finally {
                p.destroyForcibly();
            }
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("kill %d (%s) must find the run still going: %s", kill, aim, out).isEqualTo(137);

            List<String> leftovers = leftovers(killed);
            assertThat(leftovers).as("at most the save the kill cut off (older ones are removed when a run starts)").hasSizeLessThanOrEqualTo(1);
            for (String f : leftovers) insideSaves.merge(saved(f), 1, Integer::sum);
            int before = epochOnDisk;
            epochOnDisk = checkRunFolder(killed, epochOnDisk);
            checkContinuation(out, resume, before, epochOnDisk, killed);
            story.add(String.format("kill %2d %-26s -> checkpoint epoch %2d%s", kill, aim, epochOnDisk,
                    leftovers.isEmpty() ? "" : ", inside the save of " + saved(leftovers.get(0))));
        }

        // the learning rate follows epochs, not the epoch count (--schedule step), so the killed run can end at any
        // epoch past its last checkpoint and be compared with an uninterrupted run of that many epochs
        int epochs = Math.max(epochOnDisk + 2, 4);
        Process fin = train(killed, true, epochs, 0, dir.resolve("finish.txt"));
        assertThat(fin.waitFor(300, TimeUnit.SECONDS)).isTrue();
        String finOut = Files.readString(dir.resolve("finish.txt"), StandardCharsets.UTF_8);
        assertThat(fin.exitValue()).as(finOut).isZero();
        checkContinuation(finOut, true, epochOnDisk, epochs, killed);
        assertThat(leftovers(killed)).as("the finished run removed what the last kill left").isEmpty();
        Process ref = train(whole, false, epochs, 0, dir.resolve("whole.txt"));
        assertThat(ref.waitFor(300, TimeUnit.SECONDS)).as("the uninterrupted run finishes").isTrue();
        assertThat(ref.exitValue()).as(Files.readString(dir.resolve("whole.txt"))).isZero();

        System.out.println(String.join("\n", story));
        System.out.printf("%d kills, %d survived; inside a save: %s%n", KILLS, KILLS, insideSaves);
        // proof that kills landed inside writes, of the checkpoint and of the best model among them
        assertThat(insideSaves.values().stream().mapToInt(Integer::intValue).sum()).as(String.join("\n", story)).isGreaterThanOrEqualTo(8);
        assertThat(insideSaves).as(String.join("\n", story)).containsKeys(Trainer.CHECKPOINT, Trainer.BEST);

        // written by the last launch: every byte the same (model, optimizer slots, scheduler, epoch, step, the random streams)
        for (String f : List.of(Trainer.CHECKPOINT, Trainer.LAST)) {
            assertThat(new TreeMap<>(SafeTensors.read(killed.resolve(f)).metadata())).as(f)
                    .isEqualTo(new TreeMap<>(SafeTensors.read(whole.resolve(f)).metadata()));
            byte[] x = Files.readAllBytes(killed.resolve(f)), y = Files.readAllBytes(whole.resolve(f));
            assertThat(java.util.Arrays.mismatch(x, y)).as("%s of the killed and resumed run vs the uninterrupted one: first differing byte "
                    + "(-1: none) of %d and %d", f, x.length, y.length).isEqualTo(-1);
        }
        // best.safetensors may come from an earlier launch, which recorded the open-ended epoch count
        SafeTensors.Contents a = SafeTensors.read(killed.resolve(Trainer.BEST)), b = SafeTensors.read(whole.resolve(Trainer.BEST));
        assertThat(a.tensors().keySet()).isEqualTo(b.tensors().keySet());
        for (String k : a.tensors().keySet()) assertThat(a.tensors().get(k).data()).as(k).isEqualTo(b.tensors().get(k).data());
        assertThat(withoutEpochCount(a.metadata())).isEqualTo(withoutEpochCount(b.metadata()));
        assertThat(metricsWithoutTimings(killed)).isEqualTo(metricsWithoutTimings(whole));
    }

    private static Map<String, String> withoutEpochCount(Map<String, String> metadata) {
        Map<String, String> m = new TreeMap<>(metadata);
        m.remove("info.run.epochs");
        return m;
    }

    /** The first kills hit epoch 1 of a fresh run (its best model is always saved); then saves and moments in turn. */
    private static Aim aim(int kill, Random rnd) {
        return switch (kill) {
            case 0 -> Aim.save(Trainer.BEST, 1, 10);
            case 1 -> Aim.save(Trainer.CHECKPOINT, 1, 30);
            case 2 -> Aim.save(Trainer.LAST, 1, 15);
            default -> switch (kill % 6) {
                case 0 -> Aim.save(Trainer.CHECKPOINT, 2, 30);
                case 1 -> Aim.save(Trainer.BEST, 1, 10);
                case 2 -> Aim.save(Trainer.LAST, 2, 15);
                case 3 -> Aim.save(Trainer.METRICS, 5 + rnd.nextInt(8), 0);
                case 4 -> Aim.save(Trainer.CURVES, 2, 0);
                default -> Aim.moment(rnd.nextInt(2500));
            };
        };
    }

    /** Waits for the aimed save (polling the folder for its temporary file) or moment, then sends SIGKILL. */
    private static void killWhenAimed(Process p, Path run, Aim aim, Random rnd) throws Exception {
        if (aim.file() == null) {
            Thread.sleep(aim.atMs());
        } else {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            // each write has its own temporary file: distinct names count the saves of each file
            Map<String, java.util.Set<String>> seen = new TreeMap<>();
            while (p.isAlive() && System.nanoTime() < deadline) {
                for (String f : leftovers(run)) seen.computeIfAbsent(saved(f), k -> new java.util.HashSet<>()).add(f);
                if (seen.getOrDefault(aim.file(), java.util.Set.of()).size() >= aim.occurrence()) break;
                // no best model this long (the accuracy did not improve): kill inside this checkpoint save instead
                if (seen.getOrDefault(Trainer.CHECKPOINT, java.util.Set.of()).size() >= Aim.BEST_WAIT_EPOCHS) break;
                Thread.sleep(1);
            }
            if (aim.maxDelayMs() > 0) Thread.sleep(rnd.nextInt(aim.maxDelayMs()));
        }
        p.destroyForcibly(); // SIGKILL on Linux and macOS: no shutdown hook, no finally block runs in the child
    }

    /** Every file is one the run writes, or a temporary file of one that no reader opens; each is complete. Returns the checkpoint's epoch. */
    private static int checkRunFolder(Path run, int epochBefore) throws IOException {
        List<String> names;
        try (Stream<Path> s = Files.list(run)) {
            names = s.map(f -> f.getFileName().toString()).sorted().toList();
        }
        for (String n : names) {
            assertThat(Trainer.OUTPUTS.contains(n) || (LEFTOVER.matcher(n).matches() && Trainer.OUTPUTS.contains(saved(n))))
                    .as("unexpected file %s in %s", n, names).isTrue();
        }
        Path ckpt = run.resolve(Trainer.CHECKPOINT);
        int epoch = 0;
        if (Files.exists(ckpt)) {
            Map<String, String> meta = SafeTensors.read(ckpt).metadata();
            epoch = Integer.parseInt(meta.get("epoch"));
            assertThat(epoch).as("the checkpoint never goes back (a complete one is never lost)").isGreaterThanOrEqualTo(epochBefore);
            assertThat(Checkpoints.load(ckpt, null, null).model().parameterCount()).isPositive();
            // written before the checkpoint, so present with it, and this epoch's or the next (cut off before its checkpoint)
            assertThat(run.resolve(Trainer.LAST)).exists();
            assertThat(run.resolve(Trainer.BEST)).exists();
        } else {
            assertThat(epochBefore).as("a checkpoint that was there is never lost").isZero();
        }
        if (Files.exists(run.resolve(Trainer.LAST))) {
            assertThat(Checkpoints.load(run.resolve(Trainer.LAST), null, null).model().parameterCount()).isPositive();
            int lastEpoch = Integer.parseInt(SafeTensors.read(run.resolve(Trainer.LAST)).metadata().get("info.epoch"));
            assertThat(lastEpoch).as("last.safetensors is the checkpoint's epoch or the one cut off after it").isBetween(epoch, epoch + 1);
        }
        if (Files.exists(run.resolve(Trainer.BEST))) { // saved after last.safetensors: absent when epoch 1 was cut off in between
            assertThat(Checkpoints.load(run.resolve(Trainer.BEST), null, null).model().parameterCount()).isPositive();
            assertThat(Integer.parseInt(SafeTensors.read(run.resolve(Trainer.BEST)).metadata().get("info.epoch"))).isBetween(1, epoch + 1);
        }
        Path csv = run.resolve(Trainer.METRICS);
        if (Files.exists(csv)) {
            assertThat(Files.readAllLines(csv).get(0)).isEqualTo(MetricsLog.HEADER);
            MetricsLog m = new MetricsLog(csv);
            m.restore(Integer.MAX_VALUE); // parses every row, failing on a cut one
            List<Integer> epochRows = m.rows().stream().filter(r -> r.kind().equals("epoch")).map(MetricsLog.Row::epoch).toList();
            assertThat(epochRows.size()).as("an epoch row for each epoch of the checkpoint").isGreaterThanOrEqualTo(epoch);
        } else {
            assertThat(epoch).isZero();
        }
        Path png = run.resolve(Trainer.CURVES);
        if (Files.exists(png)) {
            BufferedImage img = ImageIO.read(png.toFile());
            assertThat(img).as("curves.png decodes").isNotNull();
            assertThat(img.getWidth()).isPositive();
        }
        return epoch;
    }

    /** A resumed launch says it resumed after the checkpoint's epoch, and its first epoch is the next one. */
    private static void checkContinuation(String out, boolean resumed, int epochAtStart, int epochAtEnd, Path run) {
        Matcher r = RESUMED.matcher(out);
        if (resumed && r.find()) {
            assertThat(Path.of(r.group(1))).isEqualTo(run.resolve(Trainer.CHECKPOINT));
            assertThat(Integer.parseInt(r.group(2))).as(out).isEqualTo(epochAtStart);
        } else if (resumed) {
            assertThat(epochAtEnd).as("a launch cut off before it said where it resumed made no progress: " + out).isEqualTo(epochAtStart);
        }
        Matcher e = EPOCH_DONE.matcher(out);
        if (e.find()) assertThat(Integer.parseInt(e.group(1))).as("the first epoch after resuming: " + out).isEqualTo(epochAtStart + 1);
    }

    /** The temporary files in the run folder. */
    private static List<String> leftovers(Path run) throws IOException {
        if (!Files.isDirectory(run)) return List.of();
        try (Stream<Path> s = Files.list(run)) {
            return s.map(f -> f.getFileName().toString()).filter(n -> LEFTOVER.matcher(n).matches()).toList();
        }
    }

    /** The file a temporary file was to become. */
    private static String saved(String leftover) {
        Matcher m = LEFTOVER.matcher(leftover);
        if (!m.matches()) throw new IllegalArgumentException(leftover);
        return m.group(1);
    }

    /** The rows of metrics.csv without the columns of speed and elapsed time, which no two runs share. */
    private static List<String> metricsWithoutTimings(Path run) throws IOException {
        return Files.readAllLines(run.resolve(Trainer.METRICS)).stream().map(l -> l.substring(0, nthComma(l, 8))).toList();
    }

    private static int nthComma(String s, int n) {
        int i = -1;
        for (int k = 0; k < n; k++) i = s.indexOf(',', i + 1);
        return i;
    }

    /**
     * Starts the command line's main in a new JVM: a CIFAR ResNet-20 on 32 8x8 images, a checkpoint every 4 steps, the lr
     * warmed up over the first step, then x0.1 every 3 epochs. A resumed launch gives only --epochs again.
     */
    private Process train(Path out, boolean resume, int epochs, long blockDelayMs, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-XX:+UseSerialGC",
                "-D" + AtomicFile.BLOCK_DELAY_PROPERTY + "=" + blockDelayMs, "-cp", System.getProperty("java.class.path"),
                "org.resnet4j.app.Main", "train"));
        if (resume) {
            cmd.addAll(List.of("--resume", "--out", out.toString(), "--threads", "1", "--epochs", Integer.toString(epochs)));
        } else {
            cmd.addAll(List.of("--data", data.toString(), "--out", out.toString(), "--model", "resnet20", "--epochs",
                    Integer.toString(epochs), "--batch-size", "8", "--log-every", "1", "--threads", "1", "--seed", "5",
                    "--schedule", "step", "--milestones", "3"));
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
