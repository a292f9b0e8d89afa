package org.resnet4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Two builds of resnet4j side by side, each in a JVM of its own kept alive for the whole run, their steps
 * alternating: on a host whose speed drifts from minute to minute (this project's 2-core machine: up to 2x), the
 * ratio of two steps made seconds apart is far steadier than two JMH runs minutes apart. Run by bench/two_builds.sh.
 *
 * <p>The builds used to share one JVM (a class loader each). The JDK's own Vector API classes are shared then, and
 * so are their profiles: with the channels-last weight gradient added to one build, the other build's direct
 * convolution ran in the API's Java fallback (JFR: {@code VectorSupport.ternaryOp}, {@code FloatVector.ldOp}) and
 * the pair measured 0.37x where fresh processes measure 1.13-1.21x. A process per build shares nothing.
 *
 * <p>Arguments: BASE_CLASSPATH NEW_CLASSPATH PAIRS CASE...; each classpath holds that build's core and ops classes
 * and its compiled bench/ab/ModelProbe. Extra JVM options for both sides: the system property twobuilds.jvm.
 */
public final class TwoBuilds {
    /** Warm-up per case and side: at least this many steps and seconds, for the JIT (see models_alternating.sh). */
    private static final int WARMUP_STEPS = 3;
    private static final double WARMUP_SECONDS = 8;

    private TwoBuilds() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: TwoBuilds BASE_CLASSPATH NEW_CLASSPATH PAIRS CASE...  (see bench/two_builds.sh)");
            System.exit(2);
        }
        try (Side base = new Side("base", args[0]); Side fresh = new Side("new", args[1])) {
            compare(base, fresh, Integer.parseInt(args[2]), Arrays.copyOfRange(args, 3, args.length));
        } catch (IllegalStateException e) {
            // a bad case, or a build that fails on it: its own message
            System.err.println("two_builds: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void compare(Side base, Side fresh, int pairs, String[] cases) throws IOException {
        System.out.printf("%-26s %12s %12s %10s %18s  %s%n", "case", "base ms", "new ms", "speed-up", "its quartiles", "same result");
        for (String c : cases) {
            base.ask("setup " + c);
            fresh.ask("setup " + c);
            double warmed = 0;
            for (int i = 0; i < WARMUP_STEPS || warmed < WARMUP_SECONDS * 1e3; i++) {
                warmed += Math.min(base.step(), fresh.step());
            }
            double[] b = new double[pairs], f = new double[pairs], speedup = new double[pairs];
            for (int i = 0; i < pairs; i++) {
                // every other pair runs the new build first, so that neither side always follows the other
                if (i % 2 == 0) {
                    b[i] = base.step();
                    f[i] = fresh.step();
                } else {
                    f[i] = fresh.step();
                    b[i] = base.step();
                }
                speedup[i] = b[i] / f[i];
            }
            Arrays.sort(b);
            Arrays.sort(f);
            Arrays.sort(speedup);
            boolean same = base.ask("checksum").equals(fresh.ask("checksum"));
            System.out.printf("%-26s %12.1f %12.1f %10.3f %8.3f - %-7.3f  %s%n", c, b[pairs / 2], f[pairs / 2],
                    speedup[pairs / 2], speedup[pairs / 4], speedup[(3 * pairs) / 4], same ? "yes" : "no (rounding differs)");
        }
    }

    /** One build's JVM running bench/ab/ModelProbe's command loop. */
    private static final class Side implements AutoCloseable {
        private final String name;
        private final Process process;
        private final Writer in;
        private final BufferedReader out;

        Side(String name, String classpath) throws IOException {
            this.name = name;
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g"));
            String extra = System.getProperty("twobuilds.jvm", "").trim();
            if (!extra.isEmpty()) cmd.addAll(List.of(extra.split("\\s+")));
            cmd.addAll(List.of("-cp", classpath, "org.resnet4j.bench.ab.ModelProbe"));
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        String ask(String command) throws IOException {
            in.write(command + "\n");
            in.flush();
            String answer = out.readLine();
            if (answer == null) throw new IllegalStateException("the " + name + " build's JVM ended during '" + command + "'");
            if (answer.startsWith("error ")) throw new IllegalStateException("the " + name + " build, '" + command + "': " + answer.substring(6));
            return answer;
        }

        double step() throws IOException {
            return Double.parseDouble(ask("run 1"));
        }

        @Override
        public void close() throws IOException {
            try {
                in.write("quit\n");
                in.flush();
            } catch (IOException ended) {
                // already gone: nothing to ask it
            }
            process.destroy();
        }
    }
}
