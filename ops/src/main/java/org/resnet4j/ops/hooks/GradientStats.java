package org.resnet4j.ops.hooks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.ModuleHook;
import org.resnet4j.ops.Parameter;

/**
 * Records, per module and per step, the size of its output, of the gradient arriving at it
 * (gradOutput), of the gradient it sends back (gradInput) and of its own parameters' gradients.
 * Off by default: nothing is measured until it is attached with {@code model.addHook(stats)}, and
 * {@link #setEnabled(boolean)} pauses it without detaching. Each measurement is a few reductions on the
 * tensor's own backend, so it can stay on during training.
 *
 * <p>Call {@link #beginStep(long)} before each training step. Parameter gradients are read right after
 * the module's backward, i.e. as accumulated so far (as PyTorch's .grad).
 */
public final class GradientStats implements ModuleHook {
    /** Reduces each tensor during the call and keeps only numbers. */
    @Override
    public boolean keepsTensors() {
        return false;
    }


    /** One module in one step. Fields are null when that pass did not run (e.g. eval forward only). */
    public record ModuleStats(long step, String path, String module, TensorStats output, TensorStats gradOutput,
                              TensorStats gradInput, Map<String, TensorStats> parameterGrads) {}

    /**
     * One residual block's backward in one step: the gradient at the residual sum, the parts that
     * come back through the residual branch and through the shortcut, and their sum at the block input.
     */
    public record BlockStats(long step, String path, String module, TensorStats dSum, TensorStats dxMain,
                             TensorStats dxShortcut, TensorStats dx) {}

    private static final class Slot {
        String module;
        TensorStats output, gradOutput, gradInput;
        Map<String, TensorStats> parameterGrads = Map.of();
    }

    private final Map<Long, Map<String, Slot>> steps = new LinkedHashMap<>();
    private final Map<Long, Map<String, BlockStats>> blocks = new LinkedHashMap<>();
    private long step;
    private boolean enabled = true;

    /** Starts recording under a new step number. */
    public void beginStep(long step) {
        this.step = step;
    }

    public long currentStep() {
        return step;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isEnabled() {
        return enabled;
    }

    private Slot slot(String path, Module module) {
        Slot s = steps.computeIfAbsent(step, k -> new LinkedHashMap<>()).computeIfAbsent(path, k -> new Slot());
        s.module = module.describe();
        return s;
    }

    @Override
    public void afterForward(String path, Module module, Tensor output) {
        if (!enabled) return;
        slot(path, module).output = TensorStats.of(output);
    }

    @Override
    public void afterBackward(String path, Module module, Tensor gradOutput, Tensor gradInput) {
        if (!enabled) return;
        Slot s = slot(path, module);
        s.gradOutput = TensorStats.of(gradOutput);
        s.gradInput = gradInput == null ? null : TensorStats.of(gradInput);
        Map<String, TensorStats> grads = new LinkedHashMap<>();
        for (var e : module.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            // only the module's own parameters: descendants' names contain a dot and report for themselves
            if (!e.getKey().contains(".") && p.hasGrad()) grads.put(e.getKey(), TensorStats.of(p.grad()));
        }
        s.parameterGrads = Collections.unmodifiableMap(grads);
    }

    @Override
    public void afterResidualBackward(String path, Module block, Tensor dSum, Tensor dxMain, Tensor dxShortcut, Tensor dx) {
        if (!enabled) return;
        blocks.computeIfAbsent(step, k -> new LinkedHashMap<>()).put(path, new BlockStats(step, path, block.describe(),
                TensorStats.of(dSum), TensorStats.of(dxMain), TensorStats.of(dxShortcut), TensorStats.of(dx)));
    }

    /** The residual blocks seen in {@code step}, in the order their backward finished (output side first). */
    public List<BlockStats> blockRecords(long step) {
        Map<String, BlockStats> m = blocks.get(step);
        return m == null ? new ArrayList<>() : new ArrayList<>(m.values());
    }

    /** The recorded steps, in order. */
    public List<Long> steps() {
        return new ArrayList<>(steps.keySet());
    }

    /** Every module seen in {@code step}, in the order their forward finished (children before their parent). */
    public List<ModuleStats> records(long step) {
        List<ModuleStats> out = new ArrayList<>();
        Map<String, Slot> m = steps.get(step);
        if (m == null) return out;
        for (var e : m.entrySet()) {
            Slot s = e.getValue();
            out.add(new ModuleStats(step, e.getKey(), s.module, s.output, s.gradOutput, s.gradInput, s.parameterGrads));
        }
        return out;
    }

    /** One module in one step, or null if it was not seen. */
    public ModuleStats record(long step, String path) {
        for (ModuleStats r : records(step)) if (r.path().equals(path)) return r;
        return null;
    }

    /** Forgets everything recorded (the current step number stays). */
    public void clear() {
        steps.clear();
        blocks.clear();
    }
}
