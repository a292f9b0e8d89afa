package org.resnet4j.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;

/**
 * Central finite differences on the float64 oracle. With the scalar L = sum(r * y) for a fixed random
 * r, the analytic gradient of a variable v is what backward(dy = r) returns, and the numerical one is
 * (L(v + h) - L(v - h)) / 2h, one element at a time. Every element is checked for small variables;
 * larger ones are checked at {@code maxSamples} random elements (always including the first and last).
 *
 * <p>Why h = 1e-6 and a 1e-7 target: in float64 the truncation error of a central difference is about
 * h^2 |f'''| / 6 (1e-12 here) and the rounding error about eps |L| / h (1e-10 for |L| near 1); both are
 * far below 1e-7, while a wrong backward formula is off by O(1). Inputs must keep every perturbed
 * element away from kinks (ReLU at 0, ties in max-pool windows), which the case data guarantees.
 */
public final class GradCheck {
    public static final double STEP = 1e-6;
    public static final double TOLERANCE = 1e-7;

    private GradCheck() {}

    /** One comparison per variable: analytic gradient (actual) against finite differences (expected). */
    public static List<Comparison> check(Subject s, int maxSamples, double tolerance) {
        ReferenceBackend ref = ReferenceBackend.get();
        Rng rng = new Rng(TestData.seed(s.caseName() + "/fd"));
        Tensor y = s.forward();
        double[] r = new double[y.size()];
        for (int i = 0; i < r.length; i++) r[i] = 2 * rng.nextDouble() - 1;
        Map<String, Tensor> grads = s.backward(ref.wrap(r.clone(), y.shape()));
        List<Comparison> out = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : s.variables().entrySet()) {
            String gname = s.gradientName(e.getKey());
            Tensor g = grads.get(gname);
            if (g == null) throw new IllegalStateException(s.caseName() + ": backward returned no gradient '" + gname + "'");
            double[] analytic = g.toDoubles();
            double[] v = ReferenceBackend.data(e.getValue());
            int[] idx = sample(v.length, maxSamples, rng);
            double[] a = new double[idx.length], fd = new double[idx.length];
            for (int j = 0; j < idx.length; j++) {
                int i = idx[j];
                double orig = v[i];
                v[i] = orig + STEP;
                double lp = dot(r, s.forward());
                v[i] = orig - STEP;
                double lm = dot(r, s.forward());
                v[i] = orig;
                fd[j] = (lp - lm) / (2 * STEP);
                a[j] = analytic[i];
            }
            int[] shape = idx.length == v.length ? e.getValue().shape() : new int[] {idx.length};
            out.add(Compare.normwise(gname + (idx.length == v.length ? "" : " (" + idx.length + " of " + v.length + " elements)"),
                    shape, a, fd, tolerance));
        }
        return out;
    }

    private static double dot(double[] r, Tensor y) {
        double[] yv = y.toDoubles();
        double s = 0;
        for (int i = 0; i < r.length; i++) s += r[i] * yv[i];
        return s;
    }

    private static int[] sample(int n, int max, Rng rng) {
        if (n <= max) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            return all;
        }
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        rng.shuffle(perm);
        int[] out = java.util.Arrays.copyOf(perm, max);
        out[0] = 0;
        out[1] = n - 1;
        // the first and last elements (edges of padding and windows) are always in
        java.util.Arrays.sort(out);
        return java.util.Arrays.stream(out).distinct().toArray();
    }
}
