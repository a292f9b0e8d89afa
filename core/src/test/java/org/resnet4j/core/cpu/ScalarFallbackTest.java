package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.ConvGeometry;

/**
 * An embedder that forgets {@code --add-modules jdk.incubator.vector} still gets a working CPU
 * backend: a child JVM started without the module must run the scalar kernels, log exactly one
 * warning naming the flag, and compute the right numbers (checked here against float64 references,
 * tolerance 1e-5 normwise as in GemmTest/ConvTest).
 */
class ScalarFallbackTest {

    @Test
    void childJvmWithoutVectorModuleUsesScalarKernelsAndWarnsOnce() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path err = Files.createTempFile("resnet4j-scalar", ".err");
        try {
            Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    ScalarPathMain.class.getName())
                    .redirectError(err.toFile())
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
            String stderr = Files.readString(err);
            assertThat(p.exitValue()).as("child exit code; stderr:%n%s", stderr).isZero();

            assertThat(out).contains("kernels=scalar");
            assertThat(stderr.split("--add-modules jdk.incubator.vector", -1)).as("one warning naming the flag: %s", stderr)
                    .hasSize(2);
            assertThat(stderr).doesNotContain("Using incubator modules");

            List<Float> gemm = new ArrayList<>(), conv = new ArrayList<>(), dx = new ArrayList<>(), dw = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (line.startsWith("gemm ")) gemm.add(Float.parseFloat(line.substring(5)));
                if (line.startsWith("conv ")) conv.add(Float.parseFloat(line.substring(5)));
                if (line.startsWith("dx ")) dx.add(Float.parseFloat(line.substring(3)));
                if (line.startsWith("dw ")) dw.add(Float.parseFloat(line.substring(3)));
            }
            int m = ScalarPathMain.M, n = ScalarPathMain.N, k = ScalarPathMain.K;
            float[] a = Ref.random(31, m * k), b = Ref.random(32, k * n);
            Ref.assertClose(toArray(gemm), Ref.gemm(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, new float[m * n], 0, n),
                    1e-5, "scalar gemm");
            ConvGeometry g = ScalarPathMain.CONV;
            float[] x = Ref.random(33, g.n() * g.cIn() * g.h() * g.w());
            float[] w = Ref.random(34, g.cOut() * g.cInPerGroup() * g.kH() * g.kW());
            Ref.assertClose(toArray(conv), ConvRef.forward(x, w, null, g), 1e-5, "scalar conv");
            ConvGeometry gg = ScalarPathMain.GRAD;
            float[] gx = Ref.random(35, gg.n() * gg.cIn() * gg.h() * gg.w());
            float[] gw = Ref.random(36, gg.cOut() * gg.cInPerGroup() * gg.kH() * gg.kW());
            float[] gdy = Ref.random(37, gg.n() * gg.cOut() * gg.outH() * gg.outW());
            Ref.assertClose(toArray(dx), ConvRef.backwardInput(gdy, gw, gg), 1e-5, "scalar conv input gradient");
            Ref.assertClose(toArray(dw), ConvRef.backwardWeight(gdy, gx, gg), 1e-5, "scalar conv weight gradient");
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static float[] toArray(List<Float> v) {
        float[] f = new float[v.size()];
        for (int i = 0; i < f.length; i++) f[i] = v.get(i);
        return f;
    }
}
