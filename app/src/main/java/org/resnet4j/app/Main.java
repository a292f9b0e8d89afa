package org.resnet4j.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code resnet4j} command line. Exit codes: 0 ok, 1 failure, 2 usage error. */
@Command(name = "resnet4j", mixinStandardHelpOptions = true, version = "resnet4j 0.1.0",
        description = "Residual networks in pure Java: train, evaluate, inspect and verify them.",
        subcommands = {
            CommandLine.HelpCommand.class,
            org.resnet4j.app.commands.DemoCommand.class,
            org.resnet4j.app.commands.TrainCommand.class,
            org.resnet4j.app.commands.EvalCommand.class,
            org.resnet4j.app.commands.PredictCommand.class,
            org.resnet4j.app.commands.SummaryCommand.class,
            org.resnet4j.app.commands.ProfileCommand.class,
            org.resnet4j.app.opencl.DevicesCommand.class,
            org.resnet4j.app.gradflow.GradflowCommand.class,
            org.resnet4j.app.verify.VerifyCommand.class,
            org.resnet4j.app.verify.AuditRunCommand.class,
        })
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return cli.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
