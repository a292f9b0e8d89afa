package org.resnet4j.ops.api;

import java.util.Locale;

/** One class of a prediction: its index, its label when the classifier has labels (else null), its probability. */
public record Prediction(int classIndex, String label, double probability) {
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d%s %.4f", classIndex, label == null ? "" : " (" + label + ")", probability);
    }
}
