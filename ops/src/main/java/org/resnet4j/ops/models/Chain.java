package org.resnet4j.ops.models;

import java.util.List;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.nn.Fusion;

/**
 * A network that runs its named children in the order they were registered, and backward in the
 * reverse order: torchvision's {@code forward} for a ResNet is exactly this (conv1, bn1, relu, maxpool,
 * layer1..4, avgpool, flatten, fc). Unlike {@link org.resnet4j.ops.Sequential} the children keep
 * their torchvision names and one of them can be replaced in place (fine-tuning swaps {@code fc}).
 */
public class Chain extends Module {
    private final String name;

    protected Chain(String name) {
        this.name = name;
    }

    /** Appends a child; forward will run it after those added before. */
    protected <M extends Module> M add(String childName, M module) {
        return registerModule(childName, module);
    }

    /** Replaces a child in place, e.g. a new {@code fc} for a different number of classes. */
    public <M extends Module> M replace(String childName, M module) {
        return replaceModule(childName, module);
    }

    @Override
    protected final Tensor forwardImpl(Tensor x) {
        // each child in turn; the stem's conv1, bn1, relu fused where they can be (Fusion)
        return Fusion.chain(List.copyOf(children().values()), x, this::ownActivation);
    }

    @Override
    protected final Tensor backwardImpl(Tensor dy) {
        Module[] order = children().values().toArray(new Module[0]);
        Module[] reverse = new Module[order.length];
        for (int i = 0; i < order.length; i++) reverse[i] = order[order.length - 1 - i];
        return backwardThrough(dy, reverse);
    }

    /** Its forward and backward (final) only pass tensors along the chain. */
    @Override
    protected final boolean chainsChildren() {
        return true;
    }

    @Override
    public String describe() {
        return name;
    }
}
