package org.resnet4j.verify;

import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;

/**
 * Comparison of tensors, as DESIGN.md prescribes: normwise relative error {@code ||a-b|| / ||b||}
 * (Euclidean norms over every element) and element-wise {@code |a-b| <= atol + rtol*|b|}.
 * {@code a} is the value under test, {@code b} the reference. A NaN anywhere fails.
 */
public final class Compare {
    private Compare() {}

    /** ||a-b|| / ||b||; 0 when both are zero, infinite when only b is (no relative scale to speak of). */
    public static double normwise(double[] a, double[] b) {
        checkLengths(a, b);
        double diff = 0, ref = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            diff += d * d;
            ref += b[i] * b[i];
        }
        if (Double.isNaN(diff) || Double.isNaN(ref)) return Double.NaN;
        if (ref == 0) return diff == 0 ? 0 : Double.POSITIVE_INFINITY;
        return Math.sqrt(diff) / Math.sqrt(ref);
    }

    public static double maxAbs(double[] a, double[] b) {
        checkLengths(a, b);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            if (Double.isNaN(d)) return Double.NaN;
            m = Math.max(m, d);
        }
        return m;
    }

    /** Full comparison with a normwise tolerance only (element-wise bound disabled). */
    public static Comparison normwise(String what, int[] shape, double[] actual, double[] expected, double normTol) {
        return compare(what, shape, actual, expected, normTol, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
    }

    public static Comparison compare(String what, Tensor actual, Tensor expected, double normTol, double rtol, double atol) {
        if (!actual.hasShape(expected.shape())) {
            throw new IllegalArgumentException(what + ": actual shape " + Shape.str(actual.shape()) + " differs from expected "
                    + Shape.str(expected.shape()));
        }
        return compare(what, actual.shape(), actual.toDoubles(), expected.toDoubles(), normTol, rtol, atol);
    }

    /**
     * Compares element by element and normwise. The reported worst element is the one with the largest
     * ratio |a-b| / (atol + rtol*|b|) when an element-wise bound is set, else the largest |a-b|.
     */
    public static Comparison compare(String what, int[] shape, double[] actual, double[] expected,
                                     double normTol, double rtol, double atol) {
        checkLengths(actual, expected);
        if (Shape.numel(shape) != actual.length) {
            throw new IllegalArgumentException(what + ": shape " + Shape.str(shape) + " does not match " + actual.length + " elements");
        }
        boolean elementwise = Double.isFinite(rtol) || Double.isFinite(atol);
        long worst = -1, failures = 0;
        double worstScore = -1, maxAbs = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs(actual[i] - expected[i]);
            boolean nan = Double.isNaN(d);
            if (nan || d > maxAbs) maxAbs = nan ? Double.NaN : d;
            double bound = atol + rtol * Math.abs(expected[i]);
            double score = nan ? Double.POSITIVE_INFINITY : elementwise ? (bound > 0 ? d / bound : (d > 0 ? Double.POSITIVE_INFINITY : 0)) : d;
            if (nan || (elementwise && d > bound)) failures++;
            if (score > worstScore) {
                worstScore = score;
                worst = i;
            }
            if (Double.isNaN(maxAbs)) maxAbs = Double.NaN;
        }
        double rel = normwise(actual, expected);
        return new Comparison(what, shape.clone(), rel, maxAbs, worst,
                worst < 0 ? Double.NaN : actual[(int) worst], worst < 0 ? Double.NaN : expected[(int) worst],
                rtol, atol, normTol, failures);
    }

    private static void checkLengths(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("cannot compare " + a.length + " elements with " + b.length);
        }
    }
}
