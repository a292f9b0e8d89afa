package org.resnet4j.ops.api;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.resnet4j.ops.Buffer;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.init.RandomState;

/**
 * The networks that run a {@link Classifier}'s predictions, one per caller running at the same time.
 *
 * <p>A module keeps what its last forward computed (saved inputs, the activations it releases at its next forward),
 * so two threads must never run the same module tree at once. The first caller gets the classifier's own model;
 * each caller that finds it busy gets a replica: the same architecture, built once and kept for later callers, whose
 * parameters and buffers are the model's own tensors. Sharing them is safe because an eval-mode forward under
 * InferenceMode only reads them. Before each use a replica takes the model's current tensors again (a move to another
 * backend or a loaded checkpoint replaces them); one whose shapes no longer match (a new head) is rebuilt.
 *
 * <p>A single caller therefore always runs the model itself, as before, at no extra cost. While a hook is attached
 * anywhere in the model, every call runs the model itself, one at a time, so that the hook sees each forward.
 */
final class InferenceNetworks {
    private final Module model;
    private final Supplier<Module> architecture;
    private final ReentrantLock modelInUse = new ReentrantLock();
    private final ConcurrentLinkedDeque<Replica> idle = new ConcurrentLinkedDeque<>();

    /** {@code architecture} builds a fresh network of the model's current architecture. */
    InferenceNetworks(Module model, Supplier<Module> architecture) {
        this.model = model;
        this.architecture = architecture;
    }

    /** Runs {@code forward} on a network nobody else is running, in eval mode. */
    <T> T run(Function<Module, T> forward) {
        if (hooked(model)) {
            modelInUse.lock();
        } else if (!modelInUse.tryLock()) {
            Replica r = idle.pollFirst();
            if (r == null || !r.takeTensorsOf(model)) r = build();
            try {
                return forward.apply(r.network);
            } finally {
                idle.offerFirst(r); // the most recently used first: its memory is the likeliest still in cache
            }
        }
        try {
            model.eval();
            return forward.apply(model);
        } finally {
            modelInUse.unlock();
        }
    }

    /** How many replicas have been built and are idle now (for tests). */
    int idleReplicas() {
        return idle.size();
    }

    /** Drops the replicas (after the model's architecture changed). */
    void clear() {
        idle.clear();
    }

    private static boolean hooked(Module m) {
        for (Module sub : m.namedModules().values()) if (sub.hasHooks()) return true;
        return false;
    }

    /** A fresh network, its initial draws taken and then undone: building it leaves the global random stream as it was. */
    private Replica build() {
        Module net;
        synchronized (RandomState.global()) { // the stream's own protocol for several threads
            long state = RandomState.state();
            try {
                net = architecture.get();
            } finally {
                RandomState.setState(state);
            }
        }
        net.eval();
        Replica r = new Replica(net);
        if (!r.takeTensorsOf(model)) {
            throw new IllegalStateException("a replica of " + model.describe() + " for a concurrent prediction does not have the"
                    + " model's parameters and buffers (was a layer replaced through model()?); replace the head with replaceHead");
        }
        return r;
    }

    private static final class Replica {
        final Module network;
        final Parameter[] parameters;
        final Buffer[] buffers;

        Replica(Module network) {
            this.network = network;
            this.parameters = network.parameters().toArray(Parameter[]::new);
            this.buffers = network.namedBuffers().values().toArray(Buffer[]::new);
        }

        /** Points every parameter and buffer at the model's tensor of the same name; false when the shapes differ. */
        boolean takeTensorsOf(Module model) {
            List<Parameter> ps = model.parameters();
            List<Buffer> bs = List.copyOf(model.namedBuffers().values());
            if (ps.size() != parameters.length || bs.size() != buffers.length) return false;
            for (int i = 0; i < parameters.length; i++) {
                if (!ps.get(i).data().hasShape(parameters[i].shape())) return false;
            }
            for (int i = 0; i < buffers.length; i++) {
                if (!bs.get(i).data().hasShape(buffers[i].data().shape())) return false;
            }
            for (int i = 0; i < parameters.length; i++) parameters[i].setData(ps.get(i).data());
            for (int i = 0; i < buffers.length; i++) buffers[i].setData(bs.get(i).data());
            return true;
        }
    }
}
