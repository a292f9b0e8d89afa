package org.resnet4j.ops;

import java.util.ArrayList;
import java.util.List;
import org.resnet4j.core.Tensor;

/** Children run in order; backward runs them in reverse. Children are named "0", "1", ... as in PyTorch. */
public class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... modules) {
        for (Module m : modules) add(m);
    }

    /** Appends a child under the next index name. */
    public Sequential add(Module m) {
        registerModule(Integer.toString(layers.size()), m);
        layers.add(m);
        return this;
    }

    /** Appends a child under an explicit name (torchvision uses names such as "conv1" in some Sequentials). */
    public Sequential add(String name, Module m) {
        registerModule(name, m);
        layers.add(m);
        return this;
    }

    public int size() {
        return layers.size();
    }

    public Module get(int i) {
        return layers.get(i);
    }

    @Override
    protected final Tensor forwardImpl(Tensor x) {
        for (Module m : layers) x = m.forward(x);
        return x;
    }

    @Override
    protected final Tensor backwardImpl(Tensor dy) {
        Module[] reverse = new Module[layers.size()];
        for (int i = 0; i < reverse.length; i++) reverse[i] = layers.get(reverse.length - 1 - i);
        return backwardThrough(dy, reverse);
    }

    /** Its forward and backward (final) only pass tensors along the chain. */
    @Override
    protected final boolean chainsChildren() {
        return true;
    }

    @Override
    public String describe() {
        return "Sequential(" + layers.size() + " modules)";
    }
}
