package org.resnet4j.app.commands;

import org.resnet4j.ops.Module;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

/** Builds a model of the zoo for a data set's channels and classes. */
final class Models {
    private Models() {}

    static Module create(String name, int inChannels, int numClasses) {
        if (!ModelZoo.names().contains(name)) {
            throw new IllegalArgumentException("unknown model '" + name + "': expected one of " + String.join(", ", ModelZoo.names()));
        }
        return ModelZoo.create(name, ModelOptions.defaults().numClasses(numClasses).inChannels(inChannels));
    }
}
