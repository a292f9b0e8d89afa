package org.resnet4j.ops.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Parameter;

/**
 * Updates named parameters from their accumulated gradients, as torch.optim does with one parameter
 * group. Parameters that are frozen or never received a gradient are skipped (torch skips
 * {@code grad is None}). Per-parameter state ("slots" such as momentum buffers) lives on the
 * parameter's backend, so updates run where the parameters are.
 */
public abstract class Optimizer {
    protected final Map<String, Parameter> params;
    private final Map<String, Tensor> slots = new LinkedHashMap<>();
    private final Map<String, Long> counters = new LinkedHashMap<>();
    private double lr;
    private long stepCount;

    protected Optimizer(Map<String, Parameter> params, double lr) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " got an empty parameter list; pass model.namedParameters()");
        }
        checkLr(lr);
        this.params = new LinkedHashMap<>(params);
        this.lr = lr;
    }

    private static void checkLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("Invalid learning rate: " + lr + " (must be >= 0)");
    }

    /** One update of every parameter that has a gradient. */
    public final void step() {
        stepCount++;
        for (var e : params.entrySet()) {
            Parameter p = e.getValue();
            if (p.requiresGrad() && p.hasGrad()) update(e.getKey(), p);
        }
    }

    /** The update rule for one parameter. */
    protected abstract void update(String name, Parameter p);

    /** "SGD", "Adam", ... as stored in {@link OptimizerState#type()}. */
    public abstract String type();

    /** The constructor's settings other than lr, by torch's names. */
    protected abstract Map<String, Double> hyperparameters();

    /** Sets every parameter's gradient to zero (torch's zero_grad(set_to_none=False)). */
    public void zeroGrad() {
        for (Parameter p : params.values()) p.zeroGrad();
    }

    public double lr() {
        return lr;
    }

    /** Schedulers call this. */
    public void setLr(double lr) {
        checkLr(lr);
        this.lr = lr;
    }

    /** Number of {@link #step()} calls so far. */
    public long stepCount() {
        return stepCount;
    }

    public Map<String, Parameter> parameters() {
        return java.util.Collections.unmodifiableMap(params);
    }

    // ------------------------------------------------------------------ per-parameter state for subclasses

    /** The slot tensor of a parameter, or null before its first update. */
    protected Tensor slot(String param, String slot) {
        return slots.get(param + "." + slot);
    }

    /** The slot tensor of a parameter on the parameter's backend, created as zeros on first use. */
    protected Tensor slotOrZeros(String param, Parameter p, String slot) {
        String key = param + "." + slot;
        Tensor t = slots.get(key);
        Backend be = p.data().backend();
        if (t == null) {
            t = be.zeros(p.shape());
            slots.put(key, t);
        } else if (t.backend() != be) { // the model was moved after the state was created
            t = be.fromDoubles(t.toDoubles(), t.shape());
            slots.put(key, t);
        }
        return t;
    }

    protected long incrementCounter(String key) {
        long v = counters.getOrDefault(key, 0L) + 1;
        counters.put(key, v);
        return v;
    }

    // ------------------------------------------------------------------ checkpoints

    public OptimizerState state() {
        Map<String, Double> hyper = new LinkedHashMap<>();
        hyper.put("lr", lr);
        hyper.putAll(hyperparameters());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (var e : slots.entrySet()) {
            Tensor t = e.getValue();
            Tensor copy = t.backend().zeros(t.shape());
            t.backend().copy(t, copy);
            tensors.put(e.getKey(), copy);
        }
        Map<String, Long> c = new LinkedHashMap<>(counters);
        c.put("step", stepCount);
        return new OptimizerState(type(), hyper, tensors, c);
    }

    /**
     * Restores a state exported by {@link #state()} of the same kind of optimizer over parameters with
     * the same names and shapes. lr is restored (a scheduler may have changed it); the other settings
     * must equal this optimizer's, so a resumed run is the same run.
     */
    public void loadState(OptimizerState s) {
        checkState(s);
        Map<String, Tensor> newSlots = new LinkedHashMap<>();
        for (var e : s.tensors().entrySet()) {
            String key = e.getKey();
            Tensor t = e.getValue();
            Backend be = params.get(key.substring(0, key.lastIndexOf('.'))).data().backend();
            Tensor mine = be.zeros(t.shape());
            if (t.backend() == be) be.copy(t, mine);
            else mine = be.fromDoubles(t.toDoubles(), t.shape()); // float32 -> double -> float32 is exact
            newSlots.put(key, mine);
        }
        Map<String, Long> newCounters = new LinkedHashMap<>(s.counters());
        Long steps = newCounters.remove("step");
        setLr(s.hyperparameters().get("lr"));
        slots.clear();
        slots.putAll(newSlots);
        counters.clear();
        counters.putAll(newCounters);
        stepCount = steps == null ? 0 : steps;
    }

    /**
     * Throws what {@link #loadState} would throw for {@code s}, and changes nothing: a caller restoring
     * several things (a training checkpoint) checks them all before it restores any.
     */
    public void checkState(OptimizerState s) {
        if (!type().equals(s.type())) {
            throw new IllegalArgumentException("cannot load a " + s.type() + " optimizer state into " + type());
        }
        for (var e : hyperparameters().entrySet()) {
            Double saved = s.hyperparameters().get(e.getKey());
            if (saved == null || Double.compare(saved, e.getValue()) != 0) {
                throw new IllegalArgumentException(type() + " state has " + e.getKey() + "=" + saved + " but this optimizer was built with "
                        + e.getKey() + "=" + e.getValue() + "; build it with the saved settings to resume the same run");
            }
        }
        Double savedLr = s.hyperparameters().get("lr");
        if (savedLr == null) throw new IllegalArgumentException(type() + " state has no lr");
        for (var e : s.tensors().entrySet()) {
            String key = e.getKey();
            int dot = key.lastIndexOf('.');
            Parameter p = dot < 0 ? null : params.get(key.substring(0, dot));
            if (p == null) {
                throw new IllegalArgumentException(type() + " state holds '" + key + "' but this optimizer has no parameter named '"
                        + (dot < 0 ? key : key.substring(0, dot)) + "'");
            }
            Tensor t = e.getValue();
            if (!t.hasShape(p.shape())) {
                throw new IllegalArgumentException(type() + " state '" + key + "' has shape " + Shape.str(t.shape())
                        + " but the parameter has shape " + Shape.str(p.shape()));
            }
        }
    }
}
