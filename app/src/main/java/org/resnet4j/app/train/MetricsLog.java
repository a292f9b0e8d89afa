package org.resnet4j.app.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.resnet4j.ops.io.AtomicFile;

/**
 * The rows of {@code metrics.csv}: one per N training steps ({@code kind=step}, running means since the
 * last row) and one per epoch ({@code kind=epoch}, with the test set's loss and accuracy). The whole
 * file is rewritten atomically after each row, so it is never seen half-written.
 */
public final class MetricsLog {
    public static final String HEADER = "kind,epoch,step,lr,train_loss,train_acc,test_loss,test_acc,images_per_s,elapsed_s";

    /** One row; test values are NaN on step rows. */
    public record Row(String kind, int epoch, long step, double lr, double trainLoss, double trainAcc,
                      double testLoss, double testAcc, double imagesPerSecond, double elapsedSeconds) {
        String csv() {
            return String.format(Locale.ROOT, "%s,%d,%d,%.6g,%.6f,%.6f,%s,%s,%.1f,%.1f", kind, epoch, step, lr, trainLoss,
                    trainAcc, num(testLoss), num(testAcc), imagesPerSecond, elapsedSeconds);
        }

        private static String num(double v) {
            return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
        }

        static Row parse(String line) {
            String[] f = line.split(",", -1);
            if (f.length != 10) throw new IllegalArgumentException("expected 10 columns but found " + f.length + " in '" + line + "'");
            return new Row(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4]),
                    Double.parseDouble(f[5]), f[6].isEmpty() ? Double.NaN : Double.parseDouble(f[6]),
                    f[7].isEmpty() ? Double.NaN : Double.parseDouble(f[7]), Double.parseDouble(f[8]), Double.parseDouble(f[9]));
        }
    }

    private final Path file;
    private final List<Row> rows = new ArrayList<>();

    public MetricsLog(Path file) {
        this.file = file;
    }

    /**
     * For a resumed run: reads the rows already written and keeps those of epochs up to {@code lastEpoch}
     * (1-based; a run stopped mid-epoch wrote step rows past its last checkpoint, and the resumed run
     * writes them again).
     */
    public void restore(int lastEpoch) throws IOException {
        rows.clear();
        if (!Files.isRegularFile(file)) return;
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            Row r;
            try {
                r = Row.parse(lines.get(i));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
            if (r.epoch() <= lastEpoch) rows.add(r);
        }
    }

    public void add(Row r) throws IOException {
        rows.add(r);
        save();
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    public Path file() {
        return file;
    }

    private void save() throws IOException {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (Row r : rows) sb.append(r.csv()).append('\n');
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, out -> out.write(bytes));
    }
}
