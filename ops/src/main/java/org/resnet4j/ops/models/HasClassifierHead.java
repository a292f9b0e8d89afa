package org.resnet4j.ops.models;

import org.resnet4j.ops.Module;
import org.resnet4j.ops.nn.Linear;

/** A network that ends in a Linear classifier named {@code fc}, which fine-tuning may replace. */
public interface HasClassifierHead {
    Linear fc();

    /** Swaps in a new head with the same number of input features (e.g. another number of classes). */
    void replaceFc(Linear fc);

    /** Number of classes the network predicts. */
    default int numClasses() {
        return fc().outFeatures();
    }

    static void checkHead(Module owner, Linear fc) {
        HasClassifierHead h = (HasClassifierHead) owner;
        if (fc.inFeatures() != h.fc().inFeatures()) {
            throw new IllegalArgumentException(owner.describe() + ": the new fc must take " + h.fc().inFeatures()
                    + " features (the width of the last stage) but takes " + fc.inFeatures());
        }
    }
}
