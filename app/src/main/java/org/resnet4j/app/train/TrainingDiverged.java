package org.resnet4j.app.train;

/** The loss or a gradient became NaN or infinite; the message says at which step and in which layer. */
public final class TrainingDiverged extends RuntimeException {
    public TrainingDiverged(String message) {
        super(message);
    }
}
