package org.resnet4j.app.commands;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.resnet4j.app.data.BatchLoader;
import org.resnet4j.app.data.DataFormat;
import org.resnet4j.app.data.DataSets;
import org.resnet4j.app.data.Dataset;
import org.resnet4j.app.data.Normalization;
import org.resnet4j.app.train.Evaluation;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Parallel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Accuracy, per-class accuracy and the confusion matrix of saved weights on a data set's test split "
                + "(normalized as in training, from the file's run description).")
public final class EvalCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "WEIGHTS", description = "best.safetensors, last.safetensors, checkpoint.safetensors or a run folder")
    Path weights;
    @Option(names = "--data", paramLabel = "DIR", description = "data set folder (default /usr/share/datasets/fashion-mnist)") Path data;
    @Option(names = "--format", paramLabel = "FMT", description = "idx or cifar10 (default: detected)") String format;
    @Option(names = "--split", paramLabel = "S", description = "test (default) or train") String split = "test";
    @Option(names = "--model", paramLabel = "NAME", description = "model, when the file does not name it") String model;
    @Option(names = "--limit", paramLabel = "N", description = "only the first N examples") Integer limit;
    @Option(names = "--batch-size", paramLabel = "N") int batchSize = 256;
    @Option(names = "--threads", paramLabel = "N") Integer threads;
    @Option(names = "--device", paramLabel = "DEV", description = "cpu (default) or opencl[:N|:NAME]") String device = "cpu";
    @Option(names = "--eval-flip", description = "average each image's logits with its mirror image's (test-time flip, as train --eval-flip)")
    boolean evalFlip;
    @CommandLine.Mixin ArchitectureOptions arch;

    @Override
    public Integer call() throws IOException {
        if (!split.equals("test") && !split.equals("train")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--split must be test or train, got '" + split + "'");
        }
        if (batchSize < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--batch-size must be >= 1, got " + batchSize);
        if (limit != null && limit < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be >= 1, got " + limit);
        if (threads != null && threads < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
        DataFormat fmt;
        try {
            fmt = format == null ? null : DataFormat.parse(format);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (threads != null) Parallel.setThreads(threads);
        Path dir = data != null ? data : DataSets.FASHION_MNIST;
        Dataset ds = DataSets.load(dir, fmt, split.equals("train"));
        if (limit != null) ds = ds.limit(limit);
        Path file = Checkpoints.resolve(weights);
        RunInfo fallback = model == null ? null : new RunInfo(model, ds.channels(), ds.numClasses(), ds.height(), ds.width(),
                Normalization.of(DataSets.load(dir, fmt, true)), ds.classNames());
        Checkpoints.Loaded l = Checkpoints.load(file, model, fallback, arch);
        RunInfo info = l.info();
        if (info.inChannels() != ds.channels() || info.height() != ds.height() || info.width() != ds.width()) {
            throw new IllegalArgumentException(file + " was trained on " + info.inChannels() + "x" + info.height() + "x" + info.width()
                    + " images but " + ds.source() + " holds " + ds.channels() + "x" + ds.height() + "x" + ds.width());
        }
        Backend be = Devices.select(device);
        l.model().to(be);
        Evaluation ev = Evaluation.run(l.model(), new BatchLoader(ds, batchSize, false, null, info.norm(), be, 0), evalFlip);
        System.out.printf(Locale.ROOT, "%s on %s (%s, %,d images%s)%n", file, ds.source(), split, ds.size(),
                evalFlip ? ", logits averaged with the mirror image's" : "");
        if (l.assumption() != null) System.out.println("note: " + l.assumption());
        System.out.print(ev.report());
        return 0;
    }
}
