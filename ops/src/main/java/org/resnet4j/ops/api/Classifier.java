package org.resnet4j.ops.api;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.InferenceMode;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.io.SafeTensors;
import org.resnet4j.ops.io.StateDict;
import org.resnet4j.ops.io.StoredTensor;
import org.resnet4j.ops.models.ArchitectureMetadata;
import org.resnet4j.ops.models.HasClassifierHead;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.optim.SGD;

/**
 * An image classifier for JVM applications: a model from the {@link ModelZoo}, fresh or with weights
 * from a {@code .safetensors} state_dict (e.g. a torchvision checkpoint converted in two lines of
 * PyTorch), with class probabilities and top-k for CHW float arrays, tensor batches or images, and
 * the few steps of fine-tuning: a new head for another number of classes, a frozen backbone, SGD steps.
 *
 * <pre>{@code
 * Classifier net = Classifier.load("resnet18", Path.of("resnet18.safetensors"));
 * List<Prediction> top3 = net.topK(ImageIO.read(file), ImagePreprocessing.imagenet(224), 3);
 * }</pre>
 *
 * <p><b>Threads.</b> A classifier is thread-safe, and its predictions ({@code predict}, {@code topK}) run
 * concurrently: share one instance between all the threads of a service. One thread's calls run the model itself;
 * each further thread that calls while it is busy gets, the first time, a replica of the network whose parameters
 * and buffers are the model's own tensors (no copy of the weights; a replica holds only its own activations) and
 * keeps it for later calls. Every result is bit for bit the one a single thread gets. The CPU backend's kernels
 * already spread each call over its thread pool ({@code -Dresnet4j.threads}, default: every core), so callers
 * beyond the number of cores add waiting, not speed. The fine-tuning methods ({@link #replaceHead},
 * {@link #freezeBackbone}, {@link #trainStep}, {@link #withLabels}) wait for the predictions that are running and
 * hold new ones back until they are done. Changes made directly through {@link #model()} (moving it to another
 * backend, attaching hooks, replacing layers) must not overlap with any call; while a hook is attached, predictions
 * run one at a time on the model itself, so that the hook sees each of them.
 */
public final class Classifier {
    private final String name;
    private final ModelOptions options;
    private final Module model;
    private volatile List<String> labels;
    private SGD sgd;
    private final CrossEntropyLoss loss = new CrossEntropyLoss();
    /** Predictions hold it shared; the methods that change the model or the labels hold it alone. */
    private final ReentrantReadWriteLock changes = new ReentrantReadWriteLock();
    private final InferenceNetworks networks;

    private Classifier(String name, ModelOptions options, Module model) {
        this.name = name;
        this.options = options;
        this.model = model;
        this.networks = new InferenceNetworks(model, () -> ModelZoo.create(name, currentOptions()));
        model.eval();
    }

    /** The options of the architecture as it is now (the head may have been replaced for another number of classes). */
    private ModelOptions currentOptions() {
        return model instanceof HasClassifierHead h ? options.numClasses(h.numClasses()) : options;
    }

    // ------------------------------------------------------------------ building

    /** A model with fresh parameters (drawn from RandomState), e.g. {@code create("resnet20", 10)}. */
    public static Classifier create(String modelName, int numClasses) {
        return create(modelName, ModelOptions.defaults().numClasses(numClasses));
    }

    public static Classifier create(String modelName, ModelOptions options) {
        return new Classifier(modelName, options, ModelZoo.create(modelName, options));
    }

    /**
     * Loads a state_dict strictly. The number of classes is read from the file's {@code fc.weight}
     * (so a 1000-class torchvision file and a 10-class fine-tuned file both load). A file saved by
     * resnet4j records its architecture ({@link ArchitectureMetadata}); one recorded as another model
     * or with other options (e.g. {@code replace_stride_with_dilation}) is refused, naming each option.
     */
    public static Classifier load(String modelName, Path weights) throws IOException {
        return load(modelName, weights, ModelOptions.defaults());
    }

    public static Classifier load(String modelName, Path weights, ModelOptions options) throws IOException {
        SafeTensors.Contents contents = SafeTensors.read(weights);
        ArchitectureMetadata.check(contents.metadata(), modelName, options, weights.toString());
        Map<String, StoredTensor> tensors = contents.tensors();
        StoredTensor fc = tensors.get("fc.weight");
        if (options.numClasses() == null && fc != null && fc.shape().length == 2) options = options.numClasses(fc.shape()[0]);
        Module model = ModelZoo.create(modelName, options);
        StateDict.load(model, tensors, StateDict.LoadOptions.STRICT, weights.toString());
        return new Classifier(modelName, options, model);
    }

    /** Names the classes (index i is labels.get(i)) for {@link Prediction#label()}. */
    public Classifier withLabels(List<String> labels) {
        changes.writeLock().lock();
        try {
            if (labels.size() != numClasses()) {
                throw new IllegalArgumentException(labels.size() + " labels given for a model with " + numClasses() + " classes");
            }
            this.labels = List.copyOf(labels);
            return this;
        } finally {
            changes.writeLock().unlock();
        }
    }

    /**
     * The backend the model's parameters live on: float arrays are uploaded there, and tensors passed
     * to {@link #predict(Tensor)} must be on it. Move the model with {@code model().to(backend)}.
     */
    public Backend backend() {
        changes.readLock().lock();
        try {
            List<Parameter> ps = model.parameters();
            return ps.isEmpty() ? CpuBackend.get() : ps.get(0).data().backend();
        } finally {
            changes.readLock().unlock();
        }
    }

    public Module model() {
        return model;
    }

    public String modelName() {
        return name;
    }

    public int numClasses() {
        return head().numClasses();
    }

    private HasClassifierHead head() {
        if (!(model instanceof HasClassifierHead h)) {
            throw new UnsupportedOperationException(name + " has no replaceable fc head; use a torchvision, CIFAR or pre-activation model");
        }
        return h;
    }

    // ------------------------------------------------------------------ inference

    /** Class probabilities (N, K) of a batch (N, C, H, W), in eval mode, under {@link InferenceMode}. */
    public Tensor predict(Tensor batch) {
        Tensor logits;
        changes.readLock().lock();
        try (InferenceMode ignored = InferenceMode.enter()) {
            logits = networks.run(net -> net.forward(batch));                  // (N, K)
        } finally {
            changes.readLock().unlock();
        }
        Tensor probs = logits.backend().zeros(logits.shape());
        logits.backend().softmax(logits, probs);
        return probs;
    }

    /** Networks built for concurrent callers and idle now (see the class comment); for tests. */
    int idleReplicas() {
        return networks.idleReplicas();
    }

    /** Class probabilities of one image given as CHW floats (already normalized); {@code chw} is its (C, H, W). */
    public float[] predict(float[] image, int... chw) {
        if (chw.length != 3 || Shape.numel(chw) != image.length) {
            throw new IllegalArgumentException("an image of " + image.length + " floats does not have shape (C, H, W) = " + Shape.str(chw));
        }
        return predict(backend().fromFloats(image, 1, chw[0], chw[1], chw[2])).toFloats();
    }

    /** Class probabilities of an image after {@code preprocessing}. */
    public float[] predict(BufferedImage image, ImagePreprocessing preprocessing) {
        return predict(preprocessing.toChw(image), preprocessing.shape());
    }

    /** The k most probable classes of an image, most probable first. */
    public List<Prediction> topK(BufferedImage image, ImagePreprocessing preprocessing, int k) {
        return topK(predict(image, preprocessing), k);
    }

    /** The k most probable classes of a CHW image. */
    public List<Prediction> topK(float[] image, int[] chw, int k) {
        return topK(predict(image, chw), k);
    }

    private List<Prediction> topK(float[] probs, int k) {
        if (k < 1) throw new IllegalArgumentException("k must be >= 1, got " + k);
        List<String> labels = this.labels;
        Integer[] idx = new Integer[probs.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, Comparator.comparingDouble((Integer i) -> -probs[i]).thenComparingInt(i -> i));
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, idx.length); i++) {
            out.add(new Prediction(idx[i], labels == null ? null : labels.get(idx[i]), probs[idx[i]]));
        }
        return out;
    }

    // ------------------------------------------------------------------ fine-tuning

    /** A new fc for {@code numClasses} classes with PyTorch's default init (drawn from RandomState); labels are dropped. */
    public Classifier replaceHead(int numClasses) {
        changes.writeLock().lock();
        try {
            HasClassifierHead h = head();
            Linear fc = new Linear(h.fc().inFeatures(), numClasses, true);
            if (fc.weight().data().backend() != backend()) fc.to(backend());
            h.replaceFc(fc);
            networks.clear();
            labels = null;
            sgd = null;
            return this;
        } finally {
            changes.writeLock().unlock();
        }
    }

    /** Trains only the head (true) or everything (false). */
    public Classifier freezeBackbone(boolean freeze) {
        changes.writeLock().lock();
        try {
            for (var e : model.namedParameters().entrySet()) e.getValue().setRequiresGrad(!freeze || e.getKey().startsWith("fc."));
            sgd = null;
            return this;
        } finally {
            changes.writeLock().unlock();
        }
    }

    /** One SGD step (momentum 0.9) on a batch in train mode; returns the loss before the step. */
    public double trainStep(Tensor images, int[] labels, double lr) {
        if (images.rank() != 4 || images.dim(0) != labels.length) {
            throw new IllegalArgumentException("a batch of " + labels.length + " labels needs images of shape (" + labels.length
                    + ", C, H, W), got " + Shape.str(images.shape()));
        }
        changes.writeLock().lock();
        try {
            return step(images, labels, lr);
        } finally {
            changes.writeLock().unlock();
        }
    }

    private double step(Tensor images, int[] labels, double lr) {
        float[] y = new float[labels.length];
        for (int i = 0; i < y.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses()) {
                throw new IllegalArgumentException("label " + labels[i] + " at position " + i + " is outside 0.." + (numClasses() - 1));
            }
            y[i] = labels[i];
        }
        if (sgd == null) {
            Map<String, Parameter> trainable = new java.util.LinkedHashMap<>();
            model.namedParameters().forEach((k, p) -> {
                if (p.requiresGrad()) trainable.put(k, p);
            });
            sgd = new SGD(trainable, lr, 0.9, 0.0, 0.0, false);
        }
        sgd.setLr(lr);
        model.train();
        sgd.zeroGrad();
        double value = loss.forward(model.forward(images), images.backend().fromFloats(y, y.length));
        model.backwardParameters(loss.backward());
        sgd.step();
        model.eval();
        return value;
    }

    /** One SGD step on images given as CHW float arrays of equal shape {@code chw}. */
    public double trainStep(float[][] images, int[] chw, int[] labels, double lr) {
        int per = (int) Shape.numel(chw);
        float[] batch = new float[images.length * per];
        for (int i = 0; i < images.length; i++) {
            if (images[i].length != per) throw new IllegalArgumentException("image " + i + " has " + images[i].length + " floats, expected " + per);
            System.arraycopy(images[i], 0, batch, i * per, per);
        }
        return trainStep(backend().fromFloats(batch, images.length, chw[0], chw[1], chw[2]), labels, lr);
    }

    /** Saves the weights as a PyTorch-loadable state_dict, atomically, with the architecture's record in the metadata. */
    public void save(Path file) throws IOException {
        changes.readLock().lock();
        try {
            StateDict.save(model, file, ArchitectureMetadata.of(name, currentOptions(), model));
        } finally {
            changes.readLock().unlock();
        }
    }
}
