package org.resnet4j.app;

import picocli.CommandLine;

/**
 * Turns an exception from a command into one clear message and exit code 1. Bad user input
 * (IllegalArgumentException, a missing file) is reported without a stack trace; set
 * {@code -Dresnet4j.stacktrace=true} to see one.
 */
public final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cli, CommandLine.ParseResult parsed) {
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        cli.getErr().println("error: " + msg);
        if (Boolean.getBoolean("resnet4j.stacktrace")) ex.printStackTrace(cli.getErr());
        return 1;
    }
}
