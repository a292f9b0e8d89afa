package org.resnet4j.app.train;

import java.io.PrintStream;
import java.util.Locale;

/** Progress as plain log lines (output to a file or pipe): one line every {@code every} steps. */
public final class PlainProgress implements Progress {
    private final PrintStream out;
    private final int every;
    private int epoch, epochs, steps;

    public PlainProgress(PrintStream out, int every) {
        this.out = out;
        this.every = Math.max(1, every);
    }

    @Override
    public void startEpoch(int epoch, int epochs, int steps) {
        this.epoch = epoch;
        this.epochs = epochs;
        this.steps = steps;
    }

    @Override
    public void step(int done, double loss, double accuracy, double imagesPerSecond, double lr) {
        if (done % every == 0 || done == steps) {
            out.println(String.format(Locale.ROOT, "epoch %d/%d step %d/%d loss %.4f acc %.2f%% lr %.4g %.0f img/s",
                    epoch, epochs, done, steps, loss, 100 * accuracy, lr, imagesPerSecond));
            out.flush();
        }
    }

    @Override
    public void endEpoch(String summary) {
        out.println(summary);
        out.flush();
    }

    @Override
    public void message(String line) {
        out.println(line);
        out.flush();
    }

    @Override
    public void close() {
        out.flush();
    }
}
