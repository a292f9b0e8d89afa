package org.resnet4j.bench;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Two builds of resnet4j in one JVM, each in a class loader of its own, their steps alternating: on a host whose
 * speed drifts from minute to minute (this project's 2-core machine: up to 2x), the ratio of two runs made
 * seconds apart is far steadier than two JMH runs minutes apart. Run by bench/two_builds.sh.
 * Arguments: BASE_CLASSPATH NEW_CLASSPATH PAIRS CASE...; each classpath holds that build's core and ops classes
 * and its compiled bench/ab/ModelProbe.
 */
public final class TwoBuilds {
    private TwoBuilds() {}

    public static void main(String[] args) throws Exception {
        try {
            compare(args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            // a bad case, or a build that fails on it: its own message, not the reflection's
            System.err.println("two_builds: " + e.getCause());
            System.exit(1);
        }
    }

    private static void compare(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: TwoBuilds BASE_CLASSPATH NEW_CLASSPATH PAIRS CASE...  (see bench/two_builds.sh)");
            System.exit(2);
        }
        Method[][] probe = {probe(args[0]), probe(args[1])};
        int pairs = Integer.parseInt(args[2]);
        System.out.printf("%-26s %12s %12s %10s %18s  %s%n", "case", "base ms", "new ms", "speed-up", "its quartiles", "same result");
        for (int s = 3; s < args.length; s++) {
            for (Method[] p : probe) p[0].invoke(null, args[s]);
            for (int i = 0; i < 2; i++) for (Method[] p : probe) p[1].invoke(null, 1); // warm-up
            double[] base = new double[pairs], fresh = new double[pairs], speedup = new double[pairs];
            for (int i = 0; i < pairs; i++) {
                // every other pair runs the new build first, so that neither side always follows the other
                if (i % 2 == 0) {
                    base[i] = (double) probe[0][1].invoke(null, 1);
                    fresh[i] = (double) probe[1][1].invoke(null, 1);
                } else {
                    fresh[i] = (double) probe[1][1].invoke(null, 1);
                    base[i] = (double) probe[0][1].invoke(null, 1);
                }
                speedup[i] = base[i] / fresh[i];
            }
            Arrays.sort(base);
            Arrays.sort(fresh);
            Arrays.sort(speedup);
            boolean same = probe[0][2].invoke(null).equals(probe[1][2].invoke(null));
            System.out.printf("%-26s %12.1f %12.1f %10.3f %8.3f - %-7.3f  %s%n", args[s], base[pairs / 2], fresh[pairs / 2],
                    speedup[pairs / 2], speedup[pairs / 4], speedup[(3 * pairs) / 4], same ? "yes" : "no (rounding differs)");
        }
    }

    private static Method[] probe(String classpath) throws Exception {
        String[] parts = classpath.split(java.io.File.pathSeparator);
        URL[] urls = new URL[parts.length];
        for (int i = 0; i < parts.length; i++) urls[i] = Path.of(parts[i]).toUri().toURL();
        // parent: the platform loader, so the bench jar's own copy of resnet4j stays out of sight
        Class<?> c = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader()).loadClass("org.resnet4j.bench.ab.ModelProbe");
        return new Method[] {c.getMethod("setup", String.class), c.getMethod("run", int.class), c.getMethod("checksum")};
    }
}
