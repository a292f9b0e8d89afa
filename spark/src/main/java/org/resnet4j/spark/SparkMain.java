package org.resnet4j.spark;

import org.resnet4j.app.ErrorHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The Spark commands of resnet4j: {@code spark-submit --class org.resnet4j.spark.SparkMain resnet4j-spark.jar spark-predict ...}
 * on a cluster, {@code ./resnet4j spark-predict ...} on this machine. Exit codes: 0 ok, 1 failure, 2 usage error.
 */
@Command(name = "resnet4j-spark", mixinStandardHelpOptions = true, version = "resnet4j 0.1.0",
        description = "Distributed batch inference and data-parallel training on Apache Spark.",
        subcommands = {CommandLine.HelpCommand.class, SparkPredictCommand.class, SparkTrainCommand.class, SparkBenchCommand.class})
public final class SparkMain implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SparkMain());
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return cli.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
