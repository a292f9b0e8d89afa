package org.resnet4j.verify;

/**
 * One row of the audit: which layer and case, which check (e.g. "fd dx", "cpu vs oracle forward",
 * "golden y f64"), the errors found, the tolerance they were held to, and the verdict.
 * {@code detail} names the worst element on failure, empty otherwise.
 *
 * <p>{@code conditioning} estimates how much the case amplifies float32 rounding, as a normwise
 * relative error a float32 computation makes by rounding alone: against PyTorch's goldens, PyTorch's
 * own float32 result against its float64 one; in {@code audit-run}, the float64 oracle with every layer's
 * output and input gradient rounded to float32 against the plain oracle. NaN where not estimated. A
 * row's tolerance is widened to 10x this estimate where it exceeds the case's bound, so an error that
 * large on an ill-conditioned case passes ({@link #illConditioned}) and the same error on a
 * well-conditioned case fails.
 */
public record CheckResult(String layer, String caseName, String check, double maxAbsErr, double normRelErr,
                          double tolerance, boolean pass, String detail, double conditioning) {

    /** A row without a conditioning estimate. */
    public CheckResult(String layer, String caseName, String check, double maxAbsErr, double normRelErr,
                       double tolerance, boolean pass, String detail) {
        this(layer, caseName, check, maxAbsErr, normRelErr, tolerance, pass, detail, Double.NaN);
    }

    /** The same row with a conditioning estimate. */
    public CheckResult withConditioning(double estimate) {
        return new CheckResult(layer, caseName, check, maxAbsErr, normRelErr, tolerance, pass, detail, estimate);
    }

    /** The tolerance of a row whose case bound is {@code bound}: widened to 10x the conditioning estimate where that is larger. */
    public static double tolerance(double bound, double conditioning) {
        return Double.isFinite(conditioning) ? Math.max(bound, 10 * conditioning) : bound;
    }

    /** Whether the tolerance comes from the conditioning estimate: float32 itself cannot do better than about that here. */
    public boolean illConditioned() {
        return Double.isFinite(conditioning) && conditioning > 0 && tolerance <= 15 * conditioning;
    }

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

    /**
     * The kind of check, for grouping: the text before the first space of {@code check} that is not inside
     * brackets (e.g. "fd", "golden[cpu]", "vs-oracle[opencl:cpu-haswell-Intel(R) Xeon(R) CPU]": device
     * names have spaces).
     */
    public String kind() {
        int depth = 0;
        for (int i = 0; i < check.length(); i++) {
            char c = check.charAt(i);
            if (c == '[') depth++;
            else if (c == ']' && depth > 0) depth--;
            else if (c == ' ' && depth == 0) return check.substring(0, i);
        }
        return check;
    }
}
