package org.resnet4j.ops.nn;

import org.resnet4j.core.Backend;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Parameter;

/** The error messages every layer shares, so each one names the layer, the expected and the actual. */
final class Checks {
    private Checks() {}

    /** The input must live where the parameters live; kernels cannot read another backend's memory. */
    static void sameBackend(String layer, Tensor x, Parameter p) {
        Backend want = p.data().backend();
        if (x.backend() != want) {
            throw new IllegalArgumentException(layer + " got an input on backend '" + x.backend().name()
                    + "' but its parameters are on '" + want.name() + "'; call module.to(backend) first");
        }
    }

    static void sameBackend(String layer, String what, Tensor a, Tensor b) {
        if (a.backend() != b.backend()) {
            throw new IllegalArgumentException(layer + ": " + what + " is on backend '" + b.backend().name()
                    + "' but the input is on '" + a.backend().name() + "'; put both on the same backend");
        }
    }

    /** backward needs what forward saved. */
    static void forwardDone(String layer, Object saved) {
        if (saved == null) {
            throw new IllegalStateException(layer + ": backward called before forward; run forward first so it can save what backward needs");
        }
    }

    /** The gradient arriving at the output must have the output's shape. */
    static void gradShape(String layer, Tensor dy, int[] outputShape) {
        if (!dy.hasShape(outputShape)) {
            throw new IllegalArgumentException(layer + " expected a gradient of its output shape " + Shape.str(outputShape)
                    + " but got " + Shape.str(dy.shape()));
        }
    }

    /** "k" when both sides agree, "(kH, kW)" when they differ, as PyTorch prints. */
    static String pair(int a, int b) {
        return a == b ? Integer.toString(a) : "(" + a + ", " + b + ")";
    }

    static int[] pairArg(String layer, String name, int[] v) {
        if (v == null || (v.length != 1 && v.length != 2)) {
            throw new IllegalArgumentException(layer + ": " + name + " must have 1 or 2 values, got "
                    + (v == null ? "null" : java.util.Arrays.toString(v)));
        }
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }

    /** A double as Python prints it (1e-05, 0.1), so descriptions read like PyTorch's. */
    static String py(double v) {
        String s = Double.toString(v);
        int e = s.indexOf('E');
        if (e < 0) return s;
        String mant = s.substring(0, e), exp = s.substring(e + 1);
        if (mant.endsWith(".0")) mant = mant.substring(0, mant.length() - 2);
        boolean neg = exp.startsWith("-");
        String digits = neg ? exp.substring(1) : exp;
        if (digits.length() < 2) digits = "0" + digits;
        return mant + "e" + (neg ? "-" : "+") + digits;
    }
}
