package org.resnet4j.verify;

import org.resnet4j.core.Shape;

/**
 * The outcome of comparing an actual tensor with an expected one: the normwise relative error
 * {@code ||a-b|| / ||b||}, the largest absolute error, and the worst element under the element-wise
 * rule {@code |a-b| <= atol + rtol*|b|} (the one that exceeds its bound the most), with its
 * coordinates and both values so a failure says exactly where to look.
 */
public record Comparison(String what, int[] shape, double normRelErr, double maxAbsErr,
                         long worstIndex, double worstActual, double worstExpected,
                         double rtol, double atol, double normTol, long elementFailures) {

    /** True when the normwise error is within {@code normTol} and every element within its bound. */
    public boolean pass() {
        return normRelErr <= normTol && elementFailures == 0;
    }

    /** The worst element's index as coordinates of the shape, e.g. {@code (1, 3, 0, 2)} for NCHW. */
    public String worstCoordinates() {
        return coordinates(shape, worstIndex);
    }

    public static String coordinates(int[] shape, long flat) {
        if (flat < 0) return "-";
        int[] c = new int[shape.length];
        long r = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            c[d] = (int) (r % Math.max(shape[d], 1));
            r /= Math.max(shape[d], 1);
        }
        return Shape.str(c);
    }

    /** One line for logs and assertion messages. */
    public String describe() {
        return String.format("%s %s: normwise rel err %.3e (tol %.1e), max abs err %.3e, %d element(s) beyond atol %.1e + rtol %.1e*|b|;"
                        + " worst at %s: actual %.9g, expected %.9g",
                what, Shape.str(shape), normRelErr, normTol, maxAbsErr, elementFailures, atol, rtol,
                worstCoordinates(), worstActual, worstExpected);
    }

    @Override
    public String toString() {
        return (pass() ? "PASS " : "FAIL ") + describe();
    }
}
