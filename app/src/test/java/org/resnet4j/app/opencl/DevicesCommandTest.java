package org.resnet4j.app.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.resnet4j.app.Main;
import org.resnet4j.opencl.OpenClBackend;
import org.resnet4j.opencl.OpenClUnavailableException;
import picocli.CommandLine;

class DevicesCommandTest {

    @Test
    void listsTheCpuAndEveryOpenClDevice() {
        StringWriter sw = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(sw));
        int code = cli.execute("devices");
        String text = sw.toString();
        assertThat(code).isZero();
        assertThat(text).startsWith("cpu ");
        try {
            for (String d : OpenClBackend.listDevices()) assertThat(text).contains(d);
            assertThat(text).contains("opencl:0");
        } catch (OpenClUnavailableException e) {
            // without OpenCL the listing says what to install; in CI (PoCL installed) this is a failure
            org.resnet4j.opencl.OpenClTestSupport.backendOrSkip();
            assertThat(text).contains("no OpenCL devices").contains("apt-get install");
        }
    }
}
