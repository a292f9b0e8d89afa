package org.resnet4j.verify;

/**
 * One row of the audit: which layer and case, which check (e.g. "fd dx", "cpu vs oracle forward",
 * "golden y f64"), the errors found, the tolerance they were held to, and the verdict.
 * {@code detail} names the worst element on failure, empty otherwise.
 */
public record CheckResult(String layer, String caseName, String check, double maxAbsErr, double normRelErr,
                          double tolerance, boolean pass, String detail) {

    /** A row from a comparison: passes when the normwise error and every element are within bounds. */
    public static CheckResult of(String layer, String caseName, String check, Comparison c) {
        return new CheckResult(layer, caseName, check, c.maxAbsErr(), c.normRelErr(), c.normTol(), c.pass(),
                c.pass() ? "" : c.describe());
    }

    /** A row for a check that could not run to completion (the exception is the finding). */
    public static CheckResult error(String layer, String caseName, String check, Throwable t) {
        return new CheckResult(layer, caseName, check, Double.NaN, Double.NaN, Double.NaN, false,
                t.getClass().getSimpleName() + ": " + t.getMessage());
    }

    /** The kind of check, for grouping: the text before the first space of {@code check} (e.g. "fd", "golden"). */
    public String kind() {
        int sp = check.indexOf(' ');
        return sp < 0 ? check : check.substring(0, sp);
    }
}
