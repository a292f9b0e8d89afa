package org.resnet4j.app.opencl;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.resnet4j.core.Parallel;
import org.resnet4j.opencl.DeviceInfo;
import org.resnet4j.opencl.OpenClBackend;
import org.resnet4j.opencl.OpenClUnavailableException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code resnet4j devices}: the backends this machine offers and the {@code --device} spec of each.
 * A machine without OpenCL still lists the CPU, with the reason OpenCL is unavailable and how to
 * install it.
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List the compute devices (CPU and OpenCL) and the --device spec that selects each.")
public final class DevicesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-10s CPU backend, %d threads (-Dresnet4j.threads=N to change)%n", "cpu", Parallel.threads());
        try {
            var devices = OpenClBackend.devices();
            for (DeviceInfo d : devices) out.println(d.description());
            out.println("--device opencl picks the first GPU, else opencl:0; opencl:NAME matches a platform or device name.");
        } catch (OpenClUnavailableException e) {
            out.println("no OpenCL devices: " + e.getMessage());
        }
        out.flush();
        return 0;
    }
}
