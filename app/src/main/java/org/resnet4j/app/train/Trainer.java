package org.resnet4j.app.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.resnet4j.app.data.Augmenter;
import org.resnet4j.app.data.Batch;
import org.resnet4j.app.data.BatchLoader;
import org.resnet4j.app.data.Dataset;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.io.AtomicFile;
import org.resnet4j.ops.io.StateDict;
import org.resnet4j.ops.models.ArchitectureMetadata;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.Adam;
import org.resnet4j.ops.optim.AdamW;
import org.resnet4j.ops.optim.LrScheduler;
import org.resnet4j.ops.optim.Optimizer;
import org.resnet4j.ops.optim.SGD;

/**
 * Trains a classifier: epochs of shuffled, augmented mini-batches, cross-entropy, an optimizer and a
 * per-step learning-rate schedule; after each epoch the test set is evaluated and {@code metrics.csv},
 * {@code curves.png}, {@code last.safetensors}, {@code best.safetensors} and
 * {@code checkpoint.safetensors} are written (each atomically, the checkpoint last) to the output folder, so a
 * process killed at any moment leaves complete files and a checkpoint no newer than any of them.
 *
 * <p>{@link #run(Path)} with a checkpoint continues the run so that the parameters after the last
 * epoch are bit-identical to an uninterrupted run's. A NaN or infinite loss or gradient stops training
 * with a {@link TrainingDiverged} naming the step and the first layer that went non-finite; the last
 * good checkpoint is kept.
 */
public final class Trainer {
    public static final String CHECKPOINT = "checkpoint.safetensors";
    public static final String LAST = "last.safetensors", BEST = "best.safetensors", METRICS = "metrics.csv", CURVES = "curves.png";
    /** Every file a run writes to its output folder. */
    public static final List<String> OUTPUTS = List.of(METRICS, CURVES, LAST, BEST, CHECKPOINT);

    /** How a run ended. imagesPerSecond counts training steps only (not evaluation). */
    public record Result(int epochsDone, double lastAccuracy, double bestAccuracy, int bestEpoch, double imagesPerSecond,
                         double seconds, Path out) {}

    private final Module model;
    private final Backend backend;
    private final Dataset train;
    private final Dataset test;
    private final TrainConfig cfg;
    private final RunInfo info;
    private final Progress progress;
    private final Object saveLock = new Object();
    private java.util.function.IntConsumer epochEnd = e -> { };
    private Map<String, String> extraMetadata = Map.of();
    private StepListener stepListener = (step, epoch, loss) -> { };
    private CurvesWriter curves = Curves::write;
    private boolean curvesWarned;
    private boolean flipAveragedEvaluation;
    private StepGradients gradients = StepGradients.accumulate(1);

    /** Draws curves.png; the chart is a view of metrics.csv, so failing to draw it never stops training. */
    @FunctionalInterface
    interface CurvesWriter {
        void write(Path file, List<MetricsLog.Row> rows, double stepsPerEpoch) throws IOException;
    }

    /** Sees every step after backward and before the optimizer's update: the gradients of this step are in place. */
    @FunctionalInterface
    public interface StepListener {
        void afterBackward(long step, int epoch, double loss);
    }
    private volatile boolean shuttingDown;
    private volatile String lastCheckpointNote = "no checkpoint yet (it is written at the end of each epoch)";

    /** {@code model} must already live on {@code backend}; seed the global stream before building it. */
    public Trainer(Module model, Backend backend, Dataset train, Dataset test, TrainConfig cfg, RunInfo info, Progress progress) {
        if (train.channels() != info.inChannels()) {
            throw new IllegalArgumentException(train.source() + " has " + train.channels() + "-channel images but the model "
                    + info.model() + " was built for " + info.inChannels() + " (set inChannels to match)");
        }
        if (train.numClasses() > info.numClasses()) {
            throw new IllegalArgumentException(train.source() + " has " + train.numClasses() + " classes but the model "
                    + info.model() + " has " + info.numClasses() + " outputs");
        }
        this.model = model;
        this.backend = backend;
        this.train = train;
        this.test = test;
        this.cfg = cfg;
        this.info = info;
        this.progress = progress;
    }

    /** Called after each epoch's files are saved, with the epoch number (1-based); gradflow and tests listen here. */
    public Trainer onEpochEnd(java.util.function.IntConsumer listener) {
        this.epochEnd = listener;
        return this;
    }

    /** Extra {@code info.*} metadata stored in every weights file and checkpoint (e.g. the options the run was started with). */
    public Trainer withMetadata(Map<String, String> metadata) {
        for (String k : metadata.keySet()) {
            if (!k.startsWith("info.") && !k.startsWith(ArchitectureMetadata.PREFIX)) throw new IllegalArgumentException("run metadata keys start with 'info.' or '" + ArchitectureMetadata.PREFIX + "', got '" + k + "'");
        }
        // in the caller's order (Map.copyOf's changes from one JVM to the next): a resumed process writes the same bytes
        this.extraMetadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        return this;
    }

    /**
     * Evaluates the test set after each epoch with each image's logits averaged with its mirror image's
     * ({@link Evaluation#run(Module, BatchLoader, boolean)}); the reported accuracy and the best model follow it.
     */
    public Trainer flipAveragedEvaluation(boolean on) {
        this.flipAveragedEvaluation = on;
        return this;
    }

    /** Called after each step's backward pass, before the update (e.g. to read gradient statistics from hooks). */
    public Trainer onStep(StepListener listener) {
        this.stepListener = listener;
        return this;
    }

    /**
     * How each step's gradient is computed: by default the whole batch at once; {@link StepGradients#accumulate} over
     * micro-batches, or on a cluster, give the same numbers as each other for the same micro-batches.
     */
    public Trainer withGradients(StepGradients gradients) {
        this.gradients = gradients;
        return this;
    }

    /** Tests replace the chart writer to see what a machine that cannot draw does. */
    Trainer drawCurvesWith(CurvesWriter writer) {
        this.curves = writer;
        return this;
    }

    private void drawCurves(Path file, List<MetricsLog.Row> rows, double stepsPerEpoch) {
        try {
            curves.write(file, rows, stepsPerEpoch);
        } catch (IOException e) {
            if (!curvesWarned) {
                progress.message("warning: " + file.getFileName() + " not written: " + e.getMessage()
                        + ". Training goes on; metrics.csv holds the same numbers.");
                curvesWarned = true;
            }
        }
    }

    static Optimizer optimizer(TrainConfig cfg, Map<String, Parameter> params) {
        return switch (cfg.optimizer()) {
            case "sgd" -> new SGD(params, cfg.lr(), cfg.momentum(), 0.0, cfg.weightDecay(), cfg.nesterov());
            case "adam" -> new Adam(params, cfg.lr(), cfg.momentum(), 0.999, 1e-8, cfg.weightDecay());
            case "adamw" -> new AdamW(params, cfg.lr(), cfg.momentum(), 0.999, 1e-8, cfg.weightDecay());
            default -> throw new IllegalArgumentException("unknown optimizer " + cfg.optimizer());
        };
    }

    /** Trains to {@code cfg.epochs()}; {@code resume} is a training checkpoint to continue from, or null. */
    public Result run(Path resume) throws IOException {
        Path out = cfg.out();
        Files.createDirectories(out);
        Path ckpt = out.resolve(CHECKPOINT);
        int leftovers = 0;
        for (String f : OUTPUTS) leftovers += AtomicFile.deleteLeftovers(out.resolve(f));
        if (leftovers > 0) progress.message("removed " + leftovers + " temporary file(s) of a save that was cut off in " + out);
        BatchLoader loader = new BatchLoader(train, cfg.batchSize(), true, cfg.augment() ? new Augmenter(4, true) : null,
                info.norm(), backend, cfg.seed());
        BatchLoader testLoader = new BatchLoader(test, cfg.evalBatchSize(), false, null, info.norm(), backend, 0);
        Optimizer opt = optimizer(cfg, model.namedParameters());
        int stepsPerEpoch = loader.batchesPerEpoch();
        int warmupSteps = (int) Math.round(cfg.warmupEpochs() * stepsPerEpoch);
        LrScheduler sched = Schedules.build(opt, cfg.schedule(), (long) cfg.epochs() * stepsPerEpoch, warmupSteps, cfg.milestones(), stepsPerEpoch);
        CrossEntropyLoss ce = new CrossEntropyLoss(cfg.labelSmoothing());
        MetricsLog metrics = new MetricsLog(out.resolve(METRICS));

        int startEpoch = 0;
        long step = 0;
        double best = -1;
        int bestEpoch = 0;
        if (resume != null) {
            RunState.Position p = RunState.load(resume, model, opt, sched);
            loader.shuffleRng().setState(p.shuffleRng());
            loader.augmentRng().setState(p.augmentRng());
            startEpoch = p.epoch();
            step = p.step();
            best = p.bestAccuracy();
            bestEpoch = p.bestEpoch();
            metrics.restore(startEpoch);
            lastCheckpointNote = "last checkpoint: " + resume + " (epoch " + startEpoch + ")";
            progress.message("resumed from " + resume + " after epoch " + startEpoch + " (step " + step + ")");
            if (startEpoch >= cfg.epochs()) progress.message("the checkpoint already reached epoch " + startEpoch + " of " + cfg.epochs() + "; nothing to do");
        }

        Thread hook = Thread.ofPlatform().unstarted(() -> {
            synchronized (saveLock) { // let a save in progress finish, and start no other: no file is left half-written
                shuttingDown = true;
                System.err.println("\ninterrupted; " + lastCheckpointNote
                        + (lastCheckpointNote.startsWith("last") ? "; continue with: resnet4j train --resume " + ckpt : ""));
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        long runStart = System.nanoTime();
        double trainSeconds = 0;
        long trainImages = 0;
        double lastAcc = Double.NaN;
        try {
            for (int epoch = startEpoch + 1; epoch <= cfg.epochs(); epoch++) {
                model.train();
                progress.startEpoch(epoch, cfg.epochs(), stepsPerEpoch);
                long t0 = System.nanoTime();
                double lossSum = 0, rowLoss = 0;
                long seen = 0, correct = 0, rowSeen = 0, rowCorrect = 0;
                int batchNo = 0;
                try (BatchLoader.Epoch it = loader.epoch()) {
                    while (it.hasNext()) {
                        Batch b = it.next();
                        batchNo++;
                        step++;
                        double lr = opt.lr();
                        StepGradients.Outcome outcome = gradients.compute(model, b, ce);
                        double loss = outcome.loss();
                        if (!Double.isFinite(loss)) throw diverged("the loss became " + loss, step, epoch, batchNo, stepsPerEpoch, b, ce);
                        String badGrad = firstNonFinite(true);
                        if (badGrad != null) {
                            throw diverged("the gradient of " + badGrad + " became non-finite (loss " + loss + ")", step, epoch, batchNo,
                                    stepsPerEpoch, b, ce);
                        }
                        stepListener.afterBackward(step, epoch, loss);
                        opt.step();
                        // a finite gradient times a huge lr can still overflow: never carry such weights into a checkpoint
                        String badParam = firstNonFinite(false);
                        if (badParam != null) {
                            throw diverged("the update of step " + step + " made " + badParam + " non-finite (loss " + loss + ")", step, epoch,
                                    batchNo, stepsPerEpoch, b, ce);
                        }
                        if (sched != null) sched.step();
                        int[] pred = outcome.predicted();
                        int ok = 0;
                        for (int i = 0; i < b.size(); i++) if (pred[i] == b.classes()[i]) ok++;
                        lossSum += loss * b.size();
                        rowLoss += loss * b.size();
                        seen += b.size();
                        rowSeen += b.size();
                        correct += ok;
                        rowCorrect += ok;
                        double ips = seen / ((System.nanoTime() - t0) * 1e-9);
                        progress.step(batchNo, lossSum / seen, (double) correct / seen, ips, lr);
                        if (step % cfg.logEvery() == 0) {
                            metrics.add(new MetricsLog.Row("step", epoch, step, lr, rowLoss / rowSeen, (double) rowCorrect / rowSeen,
                                    Double.NaN, Double.NaN, ips, (System.nanoTime() - runStart) * 1e-9));
                            rowLoss = 0;
                            rowSeen = 0;
                            rowCorrect = 0;
                        }
                    }
                }
                double secs = (System.nanoTime() - t0) * 1e-9;
                trainSeconds += secs;
                trainImages += seen;
                Evaluation ev = Evaluation.run(model, testLoader, flipAveragedEvaluation);
                lastAcc = ev.accuracy();
                boolean improved = ev.accuracy() > best;
                if (improved) {
                    best = ev.accuracy();
                    bestEpoch = epoch;
                }
                synchronized (saveLock) {
                    if (shuttingDown) break; // Ctrl-C: the JVM halts once the hook returns; keep the last complete set of files
                    metrics.add(new MetricsLog.Row("epoch", epoch, step, opt.lr(), lossSum / seen, (double) correct / seen, ev.loss(),
                            ev.accuracy(), seen / secs, (System.nanoTime() - runStart) * 1e-9));
                    Map<String, String> meta = new LinkedHashMap<>(info.toMetadata());
                    meta.putAll(extraMetadata);
                    meta.put("info.epoch", Integer.toString(epoch));
                    meta.put("info.test_accuracy", Double.toString(ev.accuracy()));
                    drawCurves(out.resolve(CURVES), metrics.rows(), stepsPerEpoch);
                    StateDict.save(model, out.resolve(LAST), meta);
                    if (improved) StateDict.save(model, out.resolve(BEST), meta);
                    // the checkpoint last: until it is renamed into place a resume redoes this epoch, which rewrites
                    // every file above with the same bytes; once it is, each of them is already this epoch's
                    RunState.save(ckpt, model, opt, sched, new RunState.Position(epoch, step, loader.shuffleRng().state(),
                            loader.augmentRng().state(), best, bestEpoch, meta));
                    lastCheckpointNote = "last checkpoint: " + ckpt + " (epoch " + epoch + ")";
                }
                progress.endEpoch(String.format(Locale.ROOT,
                        "epoch %d/%d: train loss %.4f acc %.2f%% | test loss %.4f acc %.2f%%%s | %.0f img/s | %.1f s | lr %.4g",
                        epoch, cfg.epochs(), lossSum / seen, 100.0 * correct / seen, ev.loss(), 100 * ev.accuracy(),
                        improved ? " (best)" : String.format(Locale.ROOT, " (best %.2f%% at epoch %d)", 100 * best, bestEpoch),
                        seen / secs, secs, opt.lr()));
                epochEnd.accept(epoch);
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running and reports where the last checkpoint is
            }
        }
        if (Double.isNaN(lastAcc)) lastAcc = best; // resumed at or past the last epoch: nothing ran
        return new Result(cfg.epochs(), lastAcc, best, bestEpoch, trainSeconds > 0 ? trainImages / trainSeconds : 0,
                (System.nanoTime() - runStart) * 1e-9, out);
    }

    /** The name of the first parameter whose gradient (or, with {@code grads} false, whose value) is NaN or infinite. */
    private String firstNonFinite(boolean grads) {
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (grads && !p.hasGrad()) continue;
            Tensor t = grads ? p.grad() : p.data();
            if (t.backend().countNonFinite(t) > 0) return e.getKey();
        }
        return null;
    }

    private TrainingDiverged diverged(String what, long step, int epoch, int batch, int batches, Batch b, CrossEntropyLoss ce) {
        String where = NonFiniteLocator.locate(model, b.images(), b.labels(), new CrossEntropyLoss(ce.labelSmoothing()));
        String msg = String.format(Locale.ROOT, "training stopped at step %d (epoch %d, batch %d of %d): %s; first non-finite value: %s. "
                + "Nothing of this step was saved; %s. Try a smaller --lr or a warm-up (--warmup).", step, epoch, batch, batches, what, where,
                lastCheckpointNote);
        // not also printed here: whoever catches the exception reports it (the command line as its one error line)
        return new TrainingDiverged(msg);
    }
}
