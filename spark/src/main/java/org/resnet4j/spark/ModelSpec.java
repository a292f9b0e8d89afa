package org.resnet4j.spark;

import java.io.Serializable;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

/** Enough to build the same architecture on a worker as the driver trains: a zoo name, input channels, classes. */
public record ModelSpec(String name, int inChannels, int numClasses) implements Serializable {

    public static ModelSpec of(RunInfo info) {
        return new ModelSpec(info.model(), info.inChannels(), info.numClasses());
    }

    /**
     * A new model of this architecture. Its initial weights are overwritten before use, so building it leaves the
     * global random stream as it was: in local mode the worker shares the driver's JVM, and its stream.
     */
    Module build() {
        synchronized (RandomState.class) {
            long state = RandomState.state();
            try {
                return ModelZoo.create(name, ModelOptions.defaults().numClasses(numClasses).inChannels(inChannels));
            } finally {
                RandomState.setState(state);
            }
        }
    }
}
