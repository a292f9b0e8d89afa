package org.resnet4j.app.commands;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.resnet4j.app.data.DataFormat;
import org.resnet4j.app.data.DataSets;
import org.resnet4j.app.data.Dataset;
import org.resnet4j.app.data.Normalization;
import org.resnet4j.app.train.PlainProgress;
import org.resnet4j.app.train.Progress;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.app.train.RunState;
import org.resnet4j.app.train.TerminalProgress;
import org.resnet4j.app.train.TrainConfig;
import org.resnet4j.app.train.Trainer;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Parallel;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.io.SafeTensors;
import org.resnet4j.ops.models.ArchitectureMetadata;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a ResNet on an image data set and writes metrics.csv, curves.png, last.safetensors, "
                + "best.safetensors and checkpoint.safetensors to --out.",
                "With no options: CIFAR ResNet-20 (option A) on Fashion-MNIST from " + "/usr/share/datasets/fashion-mnist"
                + " for 10 epochs (SGD momentum 0.9, weight decay 5e-4, lr 0.1, warm-up over a quarter epoch + cosine, batch 128, "
                + "random crop + flip, normalization from the training set)."},
        footer = {"", "Recipes (--recipe; explicit options override their values):",
                "  default         ResNet-20 on Fashion-MNIST as above (15-25 minutes on 2 cores)",
                "  seed-cifar-sgd  seed 000's PyTorch CIFAR-10 script: the Layers [3,4]",
                "                  bottleneck net (seed-cifar-resnet), SGD lr 0.01 without",
                "                  momentum, batch 32, 2 epochs, no augmentation, pixels /255",
                "  seed-tf-adam    seed 000's TensorFlow CIFAR-10 script: the BN-free",
                "                  residual net (seed-tf-cifar), Adam 1e-3, batch 20,",
                "                  4 epochs (10000 steps), pixels scaled to [-1, 1]",
                "  seed-mnist      seed 002's MNIST script: the ResBlock model (seed-mnist),",
                "                  SGD lr 0.005 momentum 0.5, batch 30, Normalize(0.1307,",
                "                  0.3081), 49 epochs, best-model saving",
                "", "Exit codes: 0 done, 1 failure (bad data, NaN loss, ...), 2 usage error."})
public class TrainCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--recipe", paramLabel = "NAME", description = "default, seed-cifar-sgd, seed-tf-adam or seed-mnist")
    String recipe;
    @Option(names = "--model", paramLabel = "NAME", description = "any model of the zoo (see 'summary --list'); default resnet20")
    String model;
    @Option(names = "--data", paramLabel = "DIR", description = "data set folder (IDX or CIFAR-10 binary); default /usr/share/datasets/fashion-mnist")
    Path data;
    @Option(names = "--format", paramLabel = "FMT", description = "idx or cifar10 (default: detected from the files)")
    String format;
    @Option(names = "--epochs", paramLabel = "N", description = "passes over the training set") Integer epochs;
    @Option(names = "--batch-size", paramLabel = "N", description = "examples per step") Integer batchSize;
    @Option(names = "--optimizer", paramLabel = "NAME", description = "sgd, adam or adamw") String optimizer;
    @Option(names = "--lr", paramLabel = "LR", description = "base learning rate") Double lr;
    @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum (Adam: beta1)") Double momentum;
    @Option(names = "--nesterov", negatable = true, description = "Nesterov momentum (SGD)") Boolean nesterov;
    @Option(names = "--weight-decay", paramLabel = "WD", description = "L2 (sgd, adam) or decoupled (adamw)") Double weightDecay;
    @Option(names = "--schedule", paramLabel = "S", description = "cosine, step, multistep or none (stepped per batch)") String schedule;
    @Option(names = "--milestones", paramLabel = "EPOCHS", split = ",",
            description = "multistep: epochs at which the lr drops x0.1 (e.g. 30,60,80); step: the period in epochs") double[] milestones;
    @Option(names = "--warmup", paramLabel = "EPOCHS", description = "linear warm-up from lr/10 (0 = none)") Double warmup;
    @Option(names = "--label-smoothing", paramLabel = "S", description = "cross-entropy label smoothing (0 = none)") Double labelSmoothing;
    @Option(names = "--augment", negatable = true, description = "random crop (padding 4) + horizontal flip") Boolean augment;
    @Option(names = "--eval-flip", negatable = true,
            description = "evaluate with each test image's logits averaged with its mirror image's (test-time flip)") Boolean evalFlip;
    @CommandLine.Mixin ArchitectureOptions arch;
    @Option(names = "--seed", paramLabel = "N", description = "seed of init, shuffling and augmentation (default 42)")
    Long seed;
    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all cores)") Integer threads;
    @Option(names = "--device", paramLabel = "DEV", description = "cpu (default) or opencl[:N|:NAME]") String device = "cpu";
    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default runs/<timestamp>)") Path out;
    @Option(names = "--resume", paramLabel = "CHECKPOINT", arity = "0..1", fallbackValue = "",
            description = {"continue a run from its checkpoint.safetensors (no value: --out's, or the newest under runs/);",
                    "options not given are those the run was started with"})
    String resume;
    @Option(names = "--limit", paramLabel = "N", description = "use only the first N training (and test) examples") Integer limit;
    @Option(names = "--log-every", paramLabel = "N", description = "a metrics.csv row and log line every N steps (default 50)")
    Integer logEvery;
    @Option(names = "--accumulate", paramLabel = "N", description = {"split each batch into N micro-batches and add their gradients "
            + "(batch norm statistics per micro-batch); default 1"}) Integer accumulate;

    @Override
    public Integer call() throws IOException {
        PrintStream stdout = System.out;
        Path resumeFile = resolveResume();
        // a resumed run keeps the options it was started with, unless given again
        Map<String, String> saved = resumeFile != null ? RunState.info(resumeFile) : Map.of();
        Map<String, String> savedMetadata = resumeFile != null ? SafeTensors.read(resumeFile).metadata() : Map.of();
        Recipe r;
        try {
            r = Recipe.named(recipe != null ? recipe : saved.getOrDefault(RUN + "recipe", "default"));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (threads != null) {
            if (threads < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
            Parallel.setThreads(threads);
        }
        if (format == null) format = saved.get(RUN + "format");
        DataFormat fmt;
        try {
            fmt = format == null ? null : DataFormat.parse(format);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (model != null && !ModelZoo.names().contains(model)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown model '" + model + "': expected one of "
                    + String.join(", ", ModelZoo.names()));
        }

        if (out == null) {
            out = resumeFile != null ? resumeFile.toAbsolutePath().getParent()
                    : Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        String modelName = model != null ? model : saved.getOrDefault("info.model", r.model());
        if (data == null && saved.containsKey(RUN + "data")) data = Path.of(saved.get(RUN + "data"));
        if (limit == null && saved.containsKey(RUN + "limit")) limit = Integer.valueOf(saved.get(RUN + "limit"));
        long theSeed = seed != null ? seed : saved.containsKey(RUN + "seed") ? Long.parseLong(saved.get(RUN + "seed")) : 42;

        TrainConfig cfg;
        try {
            cfg = new TrainConfig(or(epochs, savedInt(saved, "epochs"), r.epochs()), or(batchSize, savedInt(saved, "batch_size"), r.batchSize()),
                    or(optimizer, saved.get(RUN + "optimizer"), r.optimizer()), or(lr, savedDouble(saved, "lr"), r.lr()),
                    or(momentum, savedDouble(saved, "momentum"), r.momentum()), or(nesterov, savedBool(saved, "nesterov"), r.nesterov()),
                    or(weightDecay, savedDouble(saved, "weight_decay"), r.weightDecay()), or(schedule, saved.get(RUN + "schedule"), r.schedule()),
                    or(warmup, savedDouble(saved, "warmup"), r.warmupEpochs()),
                    or(labelSmoothing, savedDouble(saved, "label_smoothing"), r.labelSmoothing()), theSeed,
                    or(augment, savedBool(saved, "augment"), r.augment()), or(logEvery, savedInt(saved, "log_every"), 50), 256, out,
                    or(milestones, savedDoubles(saved, "milestones"), null));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        int microBatches = or(accumulate, savedInt(saved, "accumulate"), 1);
        if (microBatches < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--accumulate must be >= 1, got " + microBatches);
        if (microBatches > cfg.batchSize()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--accumulate " + microBatches + " is more micro-batches than the "
                    + cfg.batchSize() + " examples of a batch; give at most --batch-size");
        }
        if (limit != null && limit < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be >= 1, got " + limit);
        boolean flipEval = or(evalFlip, savedBool(saved, "eval_flip"), r.evalFlip());

        Backend backend = Devices.select(device);
        Path dir = data != null ? data : DataSets.FASHION_MNIST;
        Dataset train = DataSets.load(dir, fmt, true);
        Dataset test = DataSets.load(dir, fmt, false);
        if (limit != null) {
            train = train.limit(limit);
            test = test.limit(limit);
        }
        RunInfo savedInfo = resumeFile != null ? RunInfo.fromMetadata(saved, resumeFile) : null;
        Normalization norm = savedInfo != null ? savedInfo.norm() : r.mean() != null && r.mean().length == train.channels() ? new Normalization(r.mean(), r.std())
                : r.mean() != null ? new Normalization(fill(r.mean()[0], train.channels()), fill(r.std()[0], train.channels()))
                : Normalization.of(train);

        RandomState.manualSeed(theSeed); // init draws from the global stream: the same seed, the same starting weights
        // a resumed run keeps the architecture it was started with; options given again must agree with it
        ArchitectureMetadata.Recorded recorded = resumeFile != null ? ArchitectureMetadata.read(savedMetadata, resumeFile.toString()) : null;
        ModelOptions base = recorded != null && recorded.model().equals(ModelZoo.canonicalName(modelName)) ? recorded.options() : ModelOptions.defaults();
        ModelOptions options = arch.over(base).numClasses(train.numClasses()).inChannels(train.channels());
        if (resumeFile != null) ArchitectureMetadata.check(savedMetadata, modelName, options, resumeFile.toString());
        Module net = arch.build(modelName, options);
        net.to(backend);
        RunInfo info = new RunInfo(modelName, train.channels(), train.numClasses(), train.height(), train.width(), norm, train.classNames());

        boolean tty = System.console() != null && System.console().isTerminal();
        stdout.printf(Locale.ROOT, "training %s (%,d parameters) on %s: %,d train / %,d test images %dx%dx%d, %d classes; %s on %s, %d threads%n",
                modelName, net.parameterCount(), dir, train.size(), test.size(), train.channels(), train.height(), train.width(),
                train.numClasses(), "recipe " + r.name(), backend.name(), Parallel.threads());
        stdout.printf(Locale.ROOT, "  %d epochs, batch %d, %s lr %s momentum %s%s wd %s, schedule %s, warm-up %s epochs, label smoothing %s, "
                        + "augmentation %s, evaluation %s, seed %d; output in %s%n", cfg.epochs(), cfg.batchSize(), cfg.optimizer(), cfg.lr(),
                cfg.momentum(), cfg.nesterov() ? " nesterov" : "", cfg.weightDecay(), cfg.schedule(), cfg.warmupEpochs(), cfg.labelSmoothing(),
                cfg.augment() ? "crop+flip" : "off", flipEval ? "flip-averaged" : "plain", theSeed, out);
        try (Progress progress = tty ? new TerminalProgress(stdout) : new PlainProgress(stdout, cfg.logEvery())) {
            Map<String, String> run = new java.util.LinkedHashMap<>();
            run.put(RUN + "recipe", r.name());
            run.put(RUN + "data", dir.toAbsolutePath().toString());
            if (format != null) run.put(RUN + "format", format);
            if (limit != null) run.put(RUN + "limit", limit.toString());
            run.put(RUN + "seed", Long.toString(theSeed));
            run.put(RUN + "epochs", Integer.toString(cfg.epochs()));
            run.put(RUN + "batch_size", Integer.toString(cfg.batchSize()));
            run.put(RUN + "optimizer", cfg.optimizer());
            run.put(RUN + "lr", Double.toString(cfg.lr()));
            run.put(RUN + "momentum", Double.toString(cfg.momentum()));
            run.put(RUN + "nesterov", Boolean.toString(cfg.nesterov()));
            run.put(RUN + "weight_decay", Double.toString(cfg.weightDecay()));
            run.put(RUN + "schedule", cfg.schedule());
            run.put(RUN + "warmup", Double.toString(cfg.warmupEpochs()));
            run.put(RUN + "label_smoothing", Double.toString(cfg.labelSmoothing()));
            run.put(RUN + "augment", Boolean.toString(cfg.augment()));
            run.put(RUN + "eval_flip", Boolean.toString(flipEval));
            if (cfg.milestones() != null) run.put(RUN + "milestones", joinDoubles(cfg.milestones()));
            run.put(RUN + "accumulate", Integer.toString(microBatches));
            run.put(RUN + "log_every", Integer.toString(cfg.logEvery()));
            Map<String, String> architecture = ArchitectureMetadata.of(modelName, options, net);
            run.putAll(architecture);
            Trainer.Result res = new Trainer(net, backend, train, test, cfg, info, progress).withMetadata(run)
                    .withGradients(stepGradients(microBatches, info, architecture)).flipAveragedEvaluation(flipEval).run(resumeFile);
            stdout.printf(Locale.ROOT, "done: test accuracy %.2f%% (best %.2f%% at epoch %d), %.0f images/s, %.1f s; files in %s%n",
                    100 * res.lastAccuracy(), 100 * res.bestAccuracy(), res.bestEpoch(), res.imagesPerSecond(), res.seconds(), out);
        }
        return 0;
    }

    /**
     * How each step's gradient is computed from {@code microBatches} micro-batches of the model {@code info} describes,
     * whose architecture record ({@link ArchitectureMetadata}) is {@code architecture}.
     */
    protected org.resnet4j.app.train.StepGradients stepGradients(int microBatches, RunInfo info, Map<String, String> architecture) {
        return org.resnet4j.app.train.StepGradients.accumulate(microBatches);
    }

    private Path resolveResume() throws IOException {
        if (resume == null) return null;
        Path f;
        if (!resume.isEmpty()) {
            f = Path.of(resume);
            if (Files.isDirectory(f)) f = f.resolve(Trainer.CHECKPOINT);
        } else if (out != null) {
            f = out.resolve(Trainer.CHECKPOINT);
        } else {
            Path runs = Path.of("runs");
            if (!Files.isDirectory(runs)) throw new IllegalArgumentException("--resume without a file: no runs/ folder here; give the checkpoint path");
            try (Stream<Path> s = Files.list(runs)) {
                f = s.map(p -> p.resolve(Trainer.CHECKPOINT)).filter(Files::isRegularFile)
                        .max(Comparator.comparing(p -> p.getParent().getFileName().toString()))
                        .orElseThrow(() -> new IllegalArgumentException("--resume without a file: no runs/*/" + Trainer.CHECKPOINT + " found"));
            }
        }
        if (!Files.isRegularFile(f)) throw new IllegalArgumentException("--resume: no checkpoint at " + f);
        return f;
    }

    private static float[] fill(float v, int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** Metadata keys of the options a run was started with (read back by --resume). */
    static final String RUN = "info.run.";

    private static <T> T or(T v, T saved, T fallback) {
        return v != null ? v : saved != null ? saved : fallback;
    }

    private static Integer savedInt(Map<String, String> m, String k) {
        return m.containsKey(RUN + k) ? Integer.valueOf(m.get(RUN + k)) : null;
    }

    private static Double savedDouble(Map<String, String> m, String k) {
        return m.containsKey(RUN + k) ? Double.valueOf(m.get(RUN + k)) : null;
    }

    private static double[] savedDoubles(Map<String, String> m, String k) {
        if (!m.containsKey(RUN + k)) return null;
        String[] p = m.get(RUN + k).split(",");
        double[] v = new double[p.length];
        for (int i = 0; i < p.length; i++) v[i] = Double.parseDouble(p[i]);
        return v;
    }

    private static String joinDoubles(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ",").append(v[i]);
        return sb.toString();
    }

    private static Boolean savedBool(Map<String, String> m, String k) {
        return m.containsKey(RUN + k) ? Boolean.valueOf(m.get(RUN + k)) : null;
    }
}
