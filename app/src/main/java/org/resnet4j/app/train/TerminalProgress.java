package org.resnet4j.app.train;

import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar per epoch on a terminal, with loss, accuracy, images/s and the ETA (progressbar's default). */
public final class TerminalProgress implements Progress {
    private final PrintStream out;
    private ProgressBar bar;

    public TerminalProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void startEpoch(int epoch, int epochs, int steps) {
        closeBar();
        bar = new ProgressBarBuilder().setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs))
                .setInitialMax(steps).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(out)).continuousUpdate().build();
    }

    @Override
    public void step(int done, double loss, double accuracy, double imagesPerSecond, double lr) {
        if (bar == null) return;
        bar.stepTo(done);
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f acc %.1f%% %.0f img/s", loss, 100 * accuracy, imagesPerSecond));
    }

    @Override
    public void endEpoch(String summary) {
        closeBar();
        out.println(summary);
    }

    @Override
    public void message(String line) {
        if (bar != null) out.println();
        out.println(line);
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    @Override
    public void close() {
        closeBar();
        out.flush();
    }
}
