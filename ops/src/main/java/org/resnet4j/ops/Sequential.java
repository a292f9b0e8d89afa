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
    protected Tensor forwardImpl(Tensor x) {
        for (Module m : layers) x = m.forward(x);
        return x;
    }

    @Override
    protected Tensor backwardImpl(Tensor dy) {
        for (int i = layers.size() - 1; i >= 0; i--) dy = layers.get(i).backward(dy);
        return dy;
    }

    @Override
    public String describe() {
        return "Sequential(" + layers.size() + " modules)";
    }
}
