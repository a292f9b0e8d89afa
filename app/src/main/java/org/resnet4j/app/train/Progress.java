package org.resnet4j.app.train;

/** Reports training as it happens: a live bar on a terminal, plain lines otherwise. */
public interface Progress extends AutoCloseable {
    /** A new epoch of {@code steps} batches begins. */
    void startEpoch(int epoch, int epochs, int steps);

    /** After each step, with running means over the epoch so far. */
    void step(int done, double loss, double accuracy, double imagesPerSecond, double lr);

    /** The epoch's one-line summary (already formatted). */
    void endEpoch(String summary);

    /** Any other message (resume, checkpoints, warnings). */
    void message(String line);

    @Override
    void close();
}
