package org.resnet4j.ops.hooks;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.core.Backend;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.ModuleHook;
import org.resnet4j.ops.models.ModelSummary;
import org.resnet4j.ops.nn.Conv2d;

/**
 * Wall-clock time per module, forward and backward: where a step's time goes, layer by layer. Attach it with
 * {@code model.addHook(profiler)}; every module is timed from just before its forward (backward) to just after.
 * A module's <em>self</em> time is its time minus its children's: for a layer that is everything it does, for a
 * residual block what it does itself (the sum of its branches, the two gradients meeting at its input). The self
 * times of all modules add up to the model's time, so each is a share of the whole.
 *
 * <p>On a backend that runs asynchronously (OpenCL) the clock is read after {@link Backend#finish}, so each
 * module is charged for its own kernels; that wait also removes the overlap a real run has, so profiled steps are
 * slower than unprofiled ones there. On the CPU every operation is synchronous and nothing changes.
 */
public final class LayerProfiler implements ModuleHook {
    /**
     * One module, summed over the recorded calls: its dotted path ("" is the model), class, label for grouping
     * ({@link #kind}), multiply-adds of one forward (convolutions and linear layers; 0 otherwise), times in
     * nanoseconds, and the number of forward and backward calls.
     */
    public record Row(String path, String type, String kind, long multAdds, long forwardNanos, long backwardNanos,
                      long selfForwardNanos, long selfBackwardNanos, int forwards, int backwards) {
        public long selfNanos() {
            return selfForwardNanos + selfBackwardNanos;
        }
    }

    private static final class Slot {
        final String type;
        String kind;
        long multAdds, forwardNanos, backwardNanos, selfForwardNanos, selfBackwardNanos;
        int forwards, backwards;

        Slot(String type) {
            this.type = type;
        }
    }

    private record Frame(String path, boolean forward, long start, long[] children) {}

    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final Deque<Frame> open = new ArrayDeque<>();
    private boolean enabled = true;

    /** Reads each tensor's shape and backend during the call, keeps nothing. */
    @Override
    public boolean keepsTensors() {
        return false;
    }

    /** Pauses (false) or resumes recording without detaching: warm-up steps are run paused. */
    public void setEnabled(boolean enabled) {
        if (!open.isEmpty()) throw new IllegalStateException("LayerProfiler: cannot pause inside a pass (" + open.peek().path() + ")");
        this.enabled = enabled;
    }

    /** Forgets everything recorded so far. */
    public void reset() {
        if (!open.isEmpty()) throw new IllegalStateException("LayerProfiler: cannot reset inside a pass (" + open.peek().path() + ")");
        slots.clear();
    }

    @Override
    public void beforeForward(String path, Module module, Tensor input) {
        if (!enabled) return;
        Slot s = slot(path, module);
        if (s.kind == null) s.kind = kind(module, input);
        start(path, true, input.backend());
    }

    @Override
    public void afterForward(String path, Module module, Tensor output) {
        if (!enabled) return;
        long[] t = stop(path, true, output.backend());
        Slot s = slot(path, module);
        s.forwardNanos += t[0];
        s.selfForwardNanos += t[1];
        if (s.forwards++ == 0) s.multAdds = ModelSummary.ownMultAdds(module, output);
    }

    @Override
    public void beforeBackward(String path, Module module, Tensor gradOutput) {
        if (!enabled) return;
        start(path, false, gradOutput.backend());
    }

    @Override
    public void afterBackward(String path, Module module, Tensor gradOutput, Tensor gradInput) {
        if (!enabled) return;
        long[] t = stop(path, false, gradOutput.backend());
        Slot s = slot(path, module);
        s.backwardNanos += t[0];
        s.selfBackwardNanos += t[1];
        s.backwards++;
    }

    private Slot slot(String path, Module module) {
        return slots.computeIfAbsent(path, p -> new Slot(module.getClass().getSimpleName()));
    }

    private void start(String path, boolean forward, Backend backend) {
        backend.finish(); // what the parent queued before this module is the parent's
        open.push(new Frame(path, forward, System.nanoTime(), new long[1]));
    }

    /** {total, self} nanoseconds of the pass that ends here; the total is charged to the enclosing module's children. */
    private long[] stop(String path, boolean forward, Backend backend) {
        backend.finish();
        long now = System.nanoTime();
        Frame f = open.poll();
        if (f == null || !f.path().equals(path) || f.forward() != forward) {
            open.clear();
            throw new IllegalStateException("LayerProfiler: " + (forward ? "forward" : "backward") + " of '" + path
                    + "' ended but " + (f == null ? "none had started" : "'" + f.path() + "' was running")
                    + "; attach the profiler to the model before a pass, not during one");
        }
        long total = now - f.start();
        if (!open.isEmpty()) open.peek().children()[0] += total;
        return new long[] {total, total - f.children()[0]};
    }

    /** The modules seen, in the order their first forward started. */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (var e : slots.entrySet()) {
            Slot s = e.getValue();
            rows.add(new Row(e.getKey(), s.type, s.kind, s.multAdds, s.forwardNanos, s.backwardNanos, s.selfForwardNanos,
                    s.selfBackwardNanos, s.forwards, s.backwards));
        }
        return rows;
    }

    /**
     * A label that groups layers doing the same kind of work: a convolution's kernel and stride ("Conv2d 3x3/2"),
     * "BasicBlock (own)" for what a block does besides its layers, otherwise the class name.
     */
    static String kind(Module module, Tensor input) {
        String type = module.getClass().getSimpleName();
        if (module instanceof Conv2d c) {
            try {
                ConvGeometry g = c.geometryFor(input.shape());
                return type + " " + g.kH() + "x" + g.kW() + "/" + g.strideH() + (g.groups() > 1 ? " groups " + g.groups() : "");
            } catch (IllegalArgumentException badInput) {
                return type; // the layer's own forward reports it, naming the expected shape
            }
        }
        return module.children().isEmpty() ? type : type + " (own)";
    }
}
