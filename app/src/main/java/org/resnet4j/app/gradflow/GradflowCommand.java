package org.resnet4j.app.gradflow;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.resnet4j.app.commands.ArchitectureOptions;
import org.resnet4j.app.commands.Devices;
import org.resnet4j.app.data.BatchLoader;
import org.resnet4j.app.data.DataSets;
import org.resnet4j.app.data.Dataset;
import org.resnet4j.app.data.Normalization;
import org.resnet4j.core.Backend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.models.ModelOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code resnet4j gradflow}: how gradients flow through plain and residual networks, and the degradation experiment. */
@Command(name = "gradflow", mixinStandardHelpOptions = true,
        description = {
            "Shows how gradients flow through plain and residual networks: the gradient arriving at every layer at "
                    + "initialisation, the split inside every residual block, and stage gradient norms during N SGD steps. "
                    + "Writes report.html (self-contained), PNG and SVG charts, CSV tables and report.txt to --out. "
                    + "The default run (four models, 30 steps of 32 images) costs about 650 CPU-seconds, some 6 minutes on 2 cores.",
            "With --experiment degradation, trains the models (default plain20, plain56, resnet20, resnet56) with one recipe "
                    + "and writes their training and test error curves and final errors (degradation.html, "
                    + "degradation-error.png/.svg, degradation.csv, degradation-curves.csv). The defaults (--limit 2000, --epochs 3, "
                    + "--test-limit 1000, --batch-size 32) are sized to finish in under an hour on an otherwise idle 2-core machine: "
                    + "the four models together cost about 0.47 CPU-seconds per training image and 0.16 per evaluated image "
                    + "(measured on Fashion-MNIST), about 3800 CPU-seconds in all, i.e. 32 minutes on two free cores. "
                    + "That is a small-budget version of the paper's 64k iterations; raise --limit and --epochs when time allows."
        })
public final class GradflowCommand implements Callable<Integer> {
    static final String DEFAULT_FLOW_MODELS = "plain20,resnet20,plain56,resnet56";
    static final String DEFAULT_DEGRADATION_MODELS = "plain20,plain56,resnet20,resnet56";

    @Spec
    CommandSpec spec;

    @Option(names = "--models", split = ",", paramLabel = "NAME",
            description = "Models, comma separated (default plain20,resnet20,plain56,resnet56 for the report, plain20,plain56,resnet20,resnet56 for "
                    + "the experiment). Any model-zoo name, or resnetD / plainD for a CIFAR depth D = 6n+2 (8, 14, 20, ...).")
    List<String> models;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Data set folder: IDX files (Fashion-MNIST, MNIST) or CIFAR-10 binary batches (default: ${DEFAULT-VALUE}).")
    Path data = DataSets.FASHION_MNIST;

    @Option(names = "--steps", description = "SGD steps to follow after initialisation (default: ${DEFAULT-VALUE}).")
    int steps = 30;

    @Option(names = "--batch-size", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Option(names = "--seed", description = "Seed for the initial weights and the batch order, the same for every model (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--lr", description = "Learning rate of SGD (momentum 0.9, weight decay 1e-4) (default: ${DEFAULT-VALUE}).")
    double lr = 0.1;

    @CommandLine.Mixin ArchitectureOptions arch;

    @Option(names = "--device", paramLabel = "DEV", description = "cpu (default) or opencl[:N|:NAME]: where the models run.")
    String device = "cpu";

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder, created if missing (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("gradflow-out");

    @Option(names = "--experiment", paramLabel = "NAME", description = "Run an experiment instead of the report: 'degradation'.")
    String experiment;

    @Option(names = "--epochs", description = "Epochs of the degradation experiment (default: ${DEFAULT-VALUE}).")
    int epochs = 3;

    @Option(names = "--limit", description = "Use only the first N training examples; 0 = all (default: 2000 for the experiment, all for the report).")
    Integer limit;

    @Option(names = "--test-limit", description = "Use only the first N test examples in the experiment; 0 = all (default: ${DEFAULT-VALUE}).")
    int testLimit = 1000;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        boolean degradation = experiment != null;
        if (degradation && !experiment.equals("degradation")) {
            throw new IllegalArgumentException("unknown --experiment '" + experiment + "': the only experiment is 'degradation'");
        }
        List<String> names = models != null ? models : List.of((degradation ? DEFAULT_DEGRADATION_MODELS : DEFAULT_FLOW_MODELS).split(","));
        if (names.isEmpty()) throw new IllegalArgumentException("--models is empty: give at least one model name, e.g. resnet20");
        positive("--steps", steps, true);
        positive("--epochs", epochs, false);
        int batch = batchSize;
        positive("--batch-size", batch, false);
        if (!(lr > 0)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        int trainLimit = limit != null ? limit : degradation ? 2000 : 0;
        positive("--limit", trainLimit, true);
        positive("--test-limit", testLimit, true);
        Nets.checkNames(names);
        ModelOptions given = arch.over(ModelOptions.defaults());
        for (String name : names) nets(name, 1, 10, given); // options a model does not take are usage errors before any run

        Dataset train = DataSets.load(data, null, true).limit(trainLimit);
        Normalization norm = Normalization.of(train);
        Backend be = Devices.select(device);
        Files.createDirectories(out);
        long t0 = System.nanoTime();
        if (!degradation) {
            List<FlowRun> runs = new ArrayList<>();
            for (String name : names) {
                Module model = nets(name, train.channels(), train.numClasses(), given).to(be);
                BatchLoader loader = new BatchLoader(train, batch, true, null, norm, be, seed);
                log.printf("gradflow: %s on %s, %d steps ...%n", name, be.name(), steps);
                log.flush();
                runs.add(FlowRun.run(name, model, loader, steps, lr));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            String text = FlowReport.write(out, runs,
                    new FlowReport.Setup(train.source(), train.size(), batch, steps, lr, seed, seconds));
            log.print(text);
            log.printf("%nreport: %s (%.1f s)%n", out.resolve("report.html"), seconds);
        } else {
            Dataset test = DataSets.load(data, null, false).limit(testLimit);
            List<Degradation.Result> results = new ArrayList<>();
            for (String name : names) {
                Module model = nets(name, train.channels(), train.numClasses(), given).to(be);
                BatchLoader trainLoader = new BatchLoader(train, batch, true, null, norm, be, seed);
                BatchLoader trainEval = new BatchLoader(train, 256, false, null, norm, be, seed);
                BatchLoader testLoader = new BatchLoader(test, 256, false, null, norm, be, seed);
                log.printf("degradation: training %s (%d parameters) on %s ...%n", name, model.parameterCount(), be.name());
                log.flush();
                results.add(Degradation.train(name, model, trainLoader, trainEval, testLoader, epochs, lr, log));
            }
            String text = Degradation.write(out, results, new Degradation.Setup(train.source(), train.size(), test.size(), epochs,
                    batch, lr, seed));
            log.print(text);
            log.printf("%nreport: %s (total %.1f s)%n", out.resolve("degradation.html"), (System.nanoTime() - t0) / 1e9);
        }
        log.flush();
        return 0;
    }

    private static void positive(String option, int value, boolean zeroAllowed) {
        if (value < 0 || (!zeroAllowed && value == 0)) {
            throw new IllegalArgumentException(option + " must be " + (zeroAllowed ? ">= 0" : ">= 1") + ", got " + value);
        }
    }

    /** The named net with the command line's architecture options; what a model rejects is a usage error. */
    private Module nets(String name, int inChannels, int numClasses, ModelOptions given) {
        try {
            return Nets.create(name, seed, new ModelOptions(numClasses, inChannels, given.zeroInitResidual(), given.groups(),
                    given.widthPerGroup(), given.replaceStrideWithDilation()));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
