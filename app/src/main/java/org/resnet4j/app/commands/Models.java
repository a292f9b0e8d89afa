package org.resnet4j.app.commands;

import org.resnet4j.ops.Module;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

/** Builds a model of the zoo for a data set's channels and classes. */
final class Models {
    private Models() {}

    /**
     * The --model and --input-shape of a command that runs a zoo model on an input batch (summary, profile): the
     * shape given, or {@code fallback}, checked; usage errors name the option and what was given.
     */
    static int[] checkedInputShape(picocli.CommandLine.Model.CommandSpec spec, String model, int[] inputShape, int[] fallback) {
        if (!ModelZoo.names().contains(model)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown model '" + model + "': see 'resnet4j summary --list'");
        }
        int[] shape = inputShape != null ? inputShape : fallback;
        if (shape.length != 4) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--input-shape must have 4 values N,C,H,W, got " + shape.length);
        }
        for (int d : shape) {
            if (d < 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--input-shape values must be >= 1, got "
                        + org.resnet4j.core.Shape.str(shape));
            }
        }
        return shape;
    }

    static Module create(String name, int inChannels, int numClasses) {
        if (!ModelZoo.names().contains(name)) {
            throw new IllegalArgumentException("unknown model '" + name + "': expected one of " + String.join(", ", ModelZoo.names()));
        }
        return ModelZoo.create(name, ModelOptions.defaults().numClasses(numClasses).inChannels(inChannels));
    }
}
