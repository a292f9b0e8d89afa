package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.fail;

/** Normwise relative error with the worst element named on failure. */
public final class Compare {
    private Compare() {}

    public static double relErr(float[] actual, double[] expected) {
        double num = 0, den = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = actual[i] - expected[i];
            num += d * d;
            den += expected[i] * expected[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    public static void assertClose(String what, float[] actual, float[] expected, double tol) {
        double[] e = new double[expected.length];
        for (int i = 0; i < e.length; i++) e[i] = expected[i];
        assertClose(what, actual, e, tol);
    }

    /** ||a - e|| / ||e|| <= tol (absolute when e is all zeros); lengths must match. */
    public static void assertClose(String what, float[] actual, double[] expected, double tol) {
        if (actual.length != expected.length) {
            fail(what + ": length " + actual.length + " but expected " + expected.length);
        }
        double err = relErr(actual, expected);
        if (!(err <= tol)) {
            int worst = 0;
            double wd = -1;
            for (int i = 0; i < expected.length; i++) {
                double d = Math.abs(actual[i] - expected[i]);
                if (Double.isNaN(d)) { worst = i; break; }
                if (d > wd) { wd = d; worst = i; }
            }
            fail(String.format("%s: normwise relative error %.3e > %.1e; worst element [%d]: got %.9g, expected %.9g",
                    what, err, tol, worst, actual[worst], expected[worst]));
        }
    }
}
