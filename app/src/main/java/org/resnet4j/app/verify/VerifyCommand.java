package org.resnet4j.app.verify;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.resnet4j.app.commands.Devices;
import org.resnet4j.core.Backend;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.resnet4j.verify.AuditReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code resnet4j verify}: the numerical audit. Runs finite-difference gradient checks on the float64
 * oracle, the CPU backend against the oracle, and the oracle and the CPU backend against the committed
 * PyTorch goldens; prints one row per layer, case and check, and exits 1 if any check fails.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Audit every layer's forward and gradients: finite differences on the float64 oracle, "
                + "the CPU backend against the oracle, and both against PyTorch goldens.",
                "Exit code 0 when every check passes, 1 when any fails."})
public final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the report as JSON to FILE.")
    Path json;

    @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the report as Markdown to FILE.")
    Path markdown;

    @Option(names = "--only", paramLabel = "PATTERN",
            description = "Only cases whose 'layer/case' name matches this case-insensitive regular expression, "
                    + "e.g. Conv2d, bn_train, 'MaxPool2d|AvgPool2d'.")
    String only;

    @Option(names = "--device", paramLabel = "DEV",
            description = "Also audit this OpenCL device (opencl, opencl:N or opencl:NAME; see 'resnet4j devices'): "
                    + "its kernels and layers against the oracle and the PyTorch goldens. Repeatable.")
    List<String> devices = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<Backend> extra = new ArrayList<>();
        for (String d : devices) {
            if (d.equals("cpu")) continue; // always audited
            try {
                extra.add(Devices.select(d));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        if (only != null) {
            try {
                Pattern.compile(only);
            } catch (PatternSyntaxException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--only '" + only + "' is not a valid regular expression: " + e.getDescription());
            }
        }
        var err = spec.commandLine().getErr();
        var out = spec.commandLine().getOut();
        AuditReport report = AuditReport.run(AuditReport.standardSections(extra), only, s -> {
            err.println("running: " + s);
            err.flush();
        });
        if (report.rows().isEmpty()) {
            err.println("error: --only '" + only + "' matches no layer or case; names look like Conv2d/conv_stride2 or BatchNorm2d/bn_train");
            return 1;
        }
        out.print(report.table());
        out.flush();
        if (json != null) {
            AuditReport.writeAtomically(json, report.json());
            err.println("wrote " + json);
        }
        if (markdown != null) {
            AuditReport.writeAtomically(markdown, report.markdown());
            err.println("wrote " + markdown);
        }
        return report.passed() ? 0 : 1;
    }
}
