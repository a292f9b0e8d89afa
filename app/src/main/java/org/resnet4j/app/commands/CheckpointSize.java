package org.resnet4j.app.commands;

import java.nio.file.Path;
import java.util.Collection;
import org.resnet4j.ops.io.StoredTensor;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

/**
 * Before a model is built from a checkpoint's metadata: the sizes the metadata asks for must fit in
 * the values the file holds, since a strict load needs every parameter from the file. Without this a
 * few damaged digits ({@code info.num_classes=2000000000}, {@code resnet4j.width_per_group=100000})
 * would allocate gigabytes, or overflow an array size, before the load could say the weights do not fit.
 * Each bound is a parameter every model of the zoo has: a head weight with a row per class, a stem
 * weight with a column per input channel, and (models with groups) layer1's grouped 3x3 convolution
 * of width x width/groups x 3 x 3 weights, width = width_per_group x groups.
 */
final class CheckpointSize {
    private CheckpointSize() {}

    static void check(Path file, Collection<StoredTensor> tensors, String model, ModelOptions options) {
        long values = 0;
        for (StoredTensor t : tensors) values += t.numel();
        ModelOptions o = ModelZoo.effectiveOptions(model, options);
        if (o.numClasses() != null) need(file, values, model, "classes", o.numClasses());
        if (o.inChannels() != null) need(file, values, model, "input channels", o.inChannels());
        if (o.groups() != null && o.widthPerGroup() != null) {
            double conv = 9.0 * o.widthPerGroup() * o.widthPerGroup() * o.groups();
            if (conv > values) {
                throw new IllegalArgumentException(file + " holds " + values + " values, but " + model + " with groups=" + o.groups()
                        + " and width_per_group=" + o.widthPerGroup() + " has " + String.format("%.0f", conv)
                        + " in one convolution alone: the file is not a checkpoint of this architecture (damaged "
                        + "architecture record, or truncated); give the model and options it was trained with");
            }
        }
    }

    private static void need(Path file, long values, String model, String what, int count) {
        if (count > values) {
            throw new IllegalArgumentException(file + " holds " + values + " values, but " + model + " with " + count + " " + what
                    + " has at least " + count + " weights for them: the file is not a checkpoint of this model "
                    + "(damaged run description info.* or architecture record, or truncated)");
        }
    }
}
