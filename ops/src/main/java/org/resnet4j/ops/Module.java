package org.resnet4j.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;

/**
 * A differentiable building block with an explicit forward and backward pass.
 *
 * <p>{@link #forward} remembers what {@link #backward} needs; {@code backward(dy)} returns dx and
 * <em>accumulates</em> the gradients of this module's parameters. Each subclass writes its math in
 * {@link #forwardImpl} and {@link #backwardImpl}, side by side; this base class adds what every module
 * shares: named children, parameters and buffers under torchvision's state_dict names, train/eval mode,
 * hooks, and moving to another backend.
 *
 * <p><b>Memory.</b> Forward and backward allocate a tensor for every output and gradient. A module
 * with children owns what its children return to it while it runs (their outputs and the gradients
 * they send back) and {@linkplain Backend#release releases} them once nothing can need them any more,
 * so that the next allocations of the same size reuse their memory instead of leaving it to the
 * garbage collector (on the CPU, most of them are arrays large enough to be G1 humongous objects):
 * <ul>
 *   <li>Never released: the module's own input, its output, the gradient it was given and the one it
 *       returns, nor anything sharing storage with them (a view or an in-place result). Those belong to
 *       the caller, so a model's output (the logits) and its input gradient stay valid after
 *       backward.</li>
 *   <li>Gradients: at the end of the module's backward (a second backward computes them anew), or as
 *       soon as the next layer has used them when they pass along a chain ({@link #backwardThrough});
 *       a gradient a composite still uses (one sent into both branches of a residual block) stays valid
 *       until its backward returns.</li>
 *   <li>Activations (the outputs the layers saved for backward): at the start of the module's next
 *       forward, so backward may run more than once after one forward (gradients accumulate).</li>
 *   <li>While a hook that may keep tensors ({@link ModuleHook#keepsTensors}) is attached to a module
 *       or below it, that module releases nothing.</li>
 * </ul>
 */
public abstract class Module {
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Buffer> buffers = new LinkedHashMap<>();
    private final Map<String, Counter> counters = new LinkedHashMap<>();
    private final List<HookBinding> hooks = new ArrayList<>();
    protected boolean training = true;

    private record HookBinding(String path, ModuleHook hook) {}

    // memory: what the children returned to this module (see the class comment)
    private final List<Module> parents = new ArrayList<>(1);
    private int running;                                          // 0, or FORWARD / BACKWARD while inside it
    private static final int FORWARD = 1, BACKWARD = 2;
    private final List<Tensor> activations = new ArrayList<>(); // children's outputs in the last forward
    private final List<Tensor> gradients = new ArrayList<>();   // children's input gradients in this backward
    private Tensor input, output; // of the last forward, when it had children: the caller's, never released
    private boolean inputGradientSkipped;                         // see backwardParameters
    private boolean forwardKeptNothing;                           // the last forward ran under InferenceMode
    /** How many backwardParameters passes are running on this thread (a null gradient is legal only inside one). */
    private static final ThreadLocal<int[]> PARAMETERS_ONLY = ThreadLocal.withInitial(() -> new int[1]);

    // ------------------------------------------------------------------ the two passes

    /** Computes the output and remembers what backward needs. */
    public final Tensor forward(Tensor x) {
        // the previous forward's activations: its backward (if any, and any repeat of it) is over now
        releaseAll(activations, input, output);
        for (HookBinding h : hooks) h.hook().beforeForward(h.path(), this, x);
        Tensor y = run(FORWARD, x);
        // under InferenceMode nothing below kept what backward needs, including layers a fused pass stood in for;
        // otherwise everything below did (a fused pass keeps what each layer's forward would). Marked once, by the
        // outermost forward, for the whole tree under it.
        if (!insideParentForward()) markKeptNothing(InferenceMode.active());
        boolean composite = !activations.isEmpty();
        input = composite ? x : null;
        output = composite ? y : null;
        for (HookBinding h : hooks) h.hook().afterForward(h.path(), this, y);
        handToParent(y);
        return y;
    }

    /**
     * Backward for training: adds dL/dparam into each parameter's gradient like {@link #backward}, but the
     * gradient with respect to the model's input is not computed. Layers that read the input itself (the stem
     * convolution) then skip their input gradient, which nothing reads when the input is data: PyTorch does not
     * compute it either, a data tensor not requiring grad. For a ResNet-20 training step that is the 3-channel
     * stem's transposed convolution, 3% of the step. Hooks see a null input gradient for those layers. Only a
     * model that chains its layers (Sequential, the zoo's Chain-based networks) skips anything; for any other
     * this is {@link #backward}.
     */
    public final void backwardParameters(Tensor dy) {
        List<Module> skipping = new ArrayList<>();
        // only the direct layers of a chain: their gradients pass from one to the next, never added to another
        // branch's (a residual block's input gradient is such a sum, and needs both parts)
        if (input != null && chainsChildren()) markInputReaders(input, skipping);
        for (Module m : skipping) m.inputGradientSkipped = true;
        int[] running = PARAMETERS_ONLY.get();
        running[0]++;
        try {
            backward(dy);
        } finally {
            running[0]--;
            for (Module m : skipping) m.inputGradientSkipped = false;
        }
    }

    /** This chain's layers that read the model's input, and those of a chain in it that reads it (a stem block). */
    private void markInputReaders(Tensor modelInput, List<Module> skipping) {
        for (Module m : children.values()) {
            if (m.readsInput(modelInput)) skipping.add(m);
            else if (m.chainsChildren() && m.input == modelInput) m.markInputReaders(modelInput, skipping);
        }
    }

    /**
     * Whether this layer's last forward read {@code modelInput} itself, so that {@link #backwardParameters} may
     * skip its input gradient; only layers that can skip it ({@link #inputGradientSkipped}) say yes.
     */
    protected boolean readsInput(Tensor modelInput) {
        return false;
    }

    /**
     * Whether this module's forward feeds each child's output to the next and nothing else (Sequential, Chain),
     * so that its backward passes the gradients along the chain only: then {@link #backwardParameters} may let the
     * first layers skip their input gradient.
     */
    protected boolean chainsChildren() {
        return false;
    }

    /** True during {@link #backwardParameters} for a layer that reads the model's input: its backward may return null. */
    protected final boolean inputGradientSkipped() {
        return inputGradientSkipped;
    }

    /** Given dL/dy, returns dL/dx and adds dL/dparam into each parameter's gradient. */
    public final Tensor backward(Tensor dy) {
        if (dy == null) {
            // upstream of a skipped input gradient (backwardParameters): a layer that handed the model's input on as
            // it is (Identity, an in-place ReLU); nothing flows back through it
            if (PARAMETERS_ONLY.get()[0] > 0) return null;
            throw new IllegalArgumentException(describe() + ".backward got null; it needs dL/dy, a tensor of the shape of its"
                    + " last forward's output");
        }
        if (forwardKeptNothing) {
            throw new IllegalStateException(describe() + ".backward: its last forward ran under InferenceMode, which keeps nothing"
                    + " for backward; run the forward outside InferenceMode to get gradients");
        }
        for (HookBinding h : hooks) h.hook().beforeBackward(h.path(), this, dy);
        Tensor dx = run(BACKWARD, dy);
        for (HookBinding h : hooks) h.hook().afterBackward(h.path(), this, dy, dx);
        releaseAll(gradients, dy, dx); // a second backward computes them anew
        handToParent(dx);
        return dx;
    }

    private Tensor run(int pass, Tensor t) {
        int outer = running;
        running = pass;
        try {
            return pass == FORWARD ? forwardImpl(t) : backwardImpl(t);
        } finally {
            running = outer;
        }
    }

    private boolean insideParentForward() {
        for (Module p : parents) {
            if (p.running == FORWARD) return true;
        }
        return false;
    }

    private void markKeptNothing(boolean keptNothing) {
        forwardKeptNothing = keptNothing;
        for (Module c : children.values()) c.markKeptNothing(keptNothing);
    }

    /** Records a result for the parent that is running now (if any): the parent owns it from here. */
    private void handToParent(Tensor t) {
        if (t == null) return; // an input gradient skipped (backwardParameters)
        for (Module p : parents) {
            if (p.running == FORWARD) p.activations.add(t);
            else if (p.running == BACKWARD) p.gradients.add(t);
        }
    }

    /** Releases the tensors in {@code owned}, except those sharing storage with the caller's {@code keep}. */
    private void releaseAll(List<Tensor> owned, Tensor... keep) {
        if (!owned.isEmpty() && !hooksMayKeepTensors()) {
            for (Tensor t : owned) {
                if (!sharesStorage(t, keep) && !t.backend().isReleased(t)) t.backend().release(t);
            }
        }
        owned.clear();
    }

    private static boolean sharesStorage(Tensor t, Tensor... others) {
        for (Tensor o : others) {
            if (o != null && o.storage() == t.storage()) return true;
        }
        return false;
    }

    /**
     * Whether a hook on this module or below may keep a tensor it was shown ({@link ModuleHook#keepsTensors});
     * then this module releases nothing, and its tensors are left to the garbage collector.
     */
    private boolean hooksMayKeepTensors() {
        for (HookBinding h : hooks) {
            if (h.hook().keepsTensors()) return true;
        }
        for (Module c : children.values()) {
            if (c.hooksMayKeepTensors()) return true;
        }
        return false;
    }

    protected abstract Tensor forwardImpl(Tensor x);

    protected abstract Tensor backwardImpl(Tensor dy);

    // ------------------------------------------------------------------ registration (constructors call these)

    protected <M extends Module> M registerModule(String name, M module) {
        put(children, name, module);
        ((Module) module).parents.add(this);
        return module;
    }

    /**
     * Replaces the child registered as {@code name}, keeping its place in the order (fine-tuning swaps
     * a classifier head this way, as {@code model.fc = nn.Linear(...)} does in PyTorch).
     */
    protected <M extends Module> M replaceModule(String name, M module) {
        if (!children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no child named '" + name + "' to replace; children: "
                    + children.keySet());
        }
        Module old = children.put(name, module);
        old.parents.remove(this);
        ((Module) module).parents.add(this);
        return module;
    }

    protected Parameter registerParameter(String name, Parameter p) {
        put(parameters, name, p);
        return p;
    }

    protected Buffer registerBuffer(String name, Buffer b) {
        put(buffers, name, b);
        return b;
    }

    protected Counter registerCounter(String name, Counter c) {
        put(counters, name, c);
        return c;
    }

    private <T> void put(Map<String, T> map, String name, T value) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("invalid name '" + name + "' in " + getClass().getSimpleName());
        }
        if (children.containsKey(name) || parameters.containsKey(name) || buffers.containsKey(name) || counters.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " already has a member named '" + name + "'");
        }
        map.put(name, value);
    }

    // ------------------------------------------------------------------ traversal, with torchvision's dotted names

    /** Direct children in registration order. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** This module ("") and every descendant, with dotted paths, in registration order. */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out) {
        out.put(prefix, this);
        for (var e : children.entrySet()) e.getValue().collectModules(join(prefix, e.getKey()), out);
    }

    /** Every parameter with its full name, e.g. {@code layer1.0.conv1.weight}. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (var m : namedModules().entrySet()) {
            for (var p : m.getValue().parameters.entrySet()) out.put(join(m.getKey(), p.getKey()), p.getValue());
        }
        return out;
    }

    /** Every float buffer with its full name, e.g. {@code bn1.running_mean}. */
    public Map<String, Buffer> namedBuffers() {
        Map<String, Buffer> out = new LinkedHashMap<>();
        for (var m : namedModules().entrySet()) {
            for (var b : m.getValue().buffers.entrySet()) out.put(join(m.getKey(), b.getKey()), b.getValue());
        }
        return out;
    }

    /** Every integer buffer with its full name, e.g. {@code bn1.num_batches_tracked}. */
    public Map<String, Counter> namedCounters() {
        Map<String, Counter> out = new LinkedHashMap<>();
        for (var m : namedModules().entrySet()) {
            for (var c : m.getValue().counters.entrySet()) out.put(join(m.getKey(), c.getKey()), c.getValue());
        }
        return out;
    }

    public List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Number of parameter elements, as torchinfo counts them. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.numel();
        return n;
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    // ------------------------------------------------------------------ modes and state

    public Module train() {
        return setTraining(true);
    }

    public Module eval() {
        return setTraining(false);
    }

    public boolean isTraining() {
        return training;
    }

    private Module setTraining(boolean mode) {
        for (Module m : namedModules().values()) m.training = mode;
        return this;
    }

    public void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }

    /**
     * Moves every parameter and buffer to {@code backend} (values copied through float64, so moving a
     * float32 model to the float64 oracle is exact). Gradients are dropped.
     */
    public Module to(Backend backend) {
        for (Parameter p : parameters()) {
            Tensor t = p.data();
            if (t.backend() != backend) p.setData(backend.fromDoubles(t.toDoubles(), t.shape()));
        }
        for (Buffer b : namedBuffers().values()) {
            Tensor t = b.data();
            if (t.backend() != backend) b.setData(backend.fromDoubles(t.toDoubles(), t.shape()));
        }
        return this;
    }

    // ------------------------------------------------------------------ hooks

    /** Calls {@code hook} after every forward and backward of this module and all its descendants. */
    public void addHook(ModuleHook hook) {
        for (var m : namedModules().entrySet()) m.getValue().hooks.add(new HookBinding(m.getKey(), hook));
    }

    /**
     * For residual blocks: shows hooks how the block's input gradient was put together (see
     * {@link ModuleHook#afterResidualBackward}); call it from backwardImpl with the tensors used there.
     */
    protected final void reportResidualBackward(Tensor dSum, Tensor dxMain, Tensor dxShortcut, Tensor dx) {
        for (HookBinding h : hooks) h.hook().afterResidualBackward(h.path(), this, dSum, dxMain, dxShortcut, dx);
    }

    /** Whether a hook is attached to this module itself. */
    public final boolean hasHooks() {
        return !hooks.isEmpty();
    }

    public void removeHook(ModuleHook hook) {
        for (Module m : namedModules().values()) m.hooks.removeIf(b -> b.hook() == hook);
    }

    // ------------------------------------------------------------------ helpers for subclasses

    /**
     * Backward through {@code modules} in the order given (the reverse of their forward order), each
     * receiving the gradient the previous one returned; returns the last one's input gradient. The
     * gradients passed between them have no other reader, so each is released as soon as the next
     * module has used it (unless it returned a view of it); {@code dy} itself is left to the caller.
     */
    protected final Tensor backwardThrough(Tensor dy, Module... modules) {
        Tensor d = dy;
        for (Module m : modules) {
            Tensor dx = m.backward(d);
            // (null: an input gradient skipped by backwardParameters, and nothing after it)
            if (d != null && d.storage() != dy.storage() && (dx == null || d.storage() != dx.storage()) && !hooksMayKeepTensors()) {
                d.backend().release(d);
            }
            d = dx;
        }
        return d;
    }

    /**
     * Owns {@code t}, an output this module's forward computed without a child's forward (a fused pass, see
     * {@link InferenceMode}), as it owns its children's outputs: released at the start of its next forward.
     */
    protected final Tensor ownActivation(Tensor t) {
        if (running == FORWARD) activations.add(t);
        return t;
    }

    /** Throws an error naming this layer, the expected and the actual shape. */
    protected void checkInput(Tensor x, boolean ok, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(describe() + " expected input of shape " + expected + " but got "
                    + Shape.str(x.shape()));
        }
    }

    /** The class name and its main options, e.g. {@code Conv2d(64, 128, kernel_size=3, stride=2)}. */
    public String describe() {
        return getClass().getSimpleName();
    }

    @Override
    public String toString() {
        return describe();
    }
}
