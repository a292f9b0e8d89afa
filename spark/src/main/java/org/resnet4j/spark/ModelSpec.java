package org.resnet4j.spark;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.resnet4j.ops.models.ArchitectureMetadata;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

/**
 * Enough to build the same architecture on a worker as the driver trains: a zoo name, input channels, classes, and
 * the architecture record the run's checkpoints carry ({@link ArchitectureMetadata}: groups, width, dilation, ...;
 * empty for the zoo's defaults).
 */
public record ModelSpec(String name, int inChannels, int numClasses, HashMap<String, String> architecture) implements Serializable {

    public ModelSpec(String name, int inChannels, int numClasses) {
        this(name, inChannels, numClasses, new HashMap<>());
    }

    public static ModelSpec of(RunInfo info, Map<String, String> architecture) {
        return new ModelSpec(info.model(), info.inChannels(), info.numClasses(), new HashMap<>(architecture));
    }

    /** The options the worker builds with: the record's, or the zoo's defaults without one. */
    ModelOptions options() {
        ArchitectureMetadata.Recorded r = ArchitectureMetadata.read(architecture, "the driver's architecture record");
        return (r != null ? r.options() : ModelOptions.defaults()).numClasses(numClasses).inChannels(inChannels);
    }

    /**
     * A new model of this architecture. Its initial weights are overwritten before use, so building it leaves the
     * global random stream as it was: in local mode the worker shares the driver's JVM, and its stream.
     */
    Module build() {
        synchronized (RandomState.class) {
            long state = RandomState.state();
            try {
                return ModelZoo.create(name, options());
            } finally {
                RandomState.setState(state);
            }
        }
    }
}
