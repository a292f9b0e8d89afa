package org.resnet4j.verify;

import org.resnet4j.core.Rng;

/**
 * Where a subject's starting values come from: drawn at random for a {@link LayerCases} case, or read
 * from a PyTorch golden. The {@link Kind} says what a random draw must look like (BatchNorm's gamma
 * positive, ReLU inputs away from zero, max-pool inputs distinct); goldens ignore it.
 */
public interface Values {
    enum Kind {
        /** Uniform in [-1, 1): inputs and output gradients. */
        SIGNED,
        /** Uniform in [-0.5, 0.5): weights and biases. */
        WEIGHT,
        /** Uniform in [0.5, 1.5): BatchNorm gamma. */
        GAMMA,
        /** Uniform in [0.5, 2): running variance. */
        VARIANCE,
        /** Uniform in [-1, 2): BatchNorm input with a non-zero mean. */
        SHIFTED,
        /** |x| in [0.05, 1.05): away from ReLU's kink at 0. */
        AWAY_FROM_ZERO,
        /** Distinct values 1/1024 apart: a unique max in every pooling window, away from max-pool's kinks. */
        DISTINCT,
        /** Logits in [-3, 3). */
        LOGITS
    }

    double[] get(String name, int[] shape, Kind kind);

    /** Class indices in [0, classes). */
    double[] labels(String name, int n, int classes);

    /** Fresh random values for a case, reproducible from the case name. */
    static Values random(String caseName) {
        Rng rng = new Rng(TestData.seed(caseName));
        return new Values() {
            @Override
            public double[] get(String name, int[] shape, Kind kind) {
                int count = 1;
                for (int d : shape) count *= d;
                return switch (kind) {
                    case SIGNED -> TestData.uniform(rng, count, -1, 1);
                    case WEIGHT -> TestData.uniform(rng, count, -0.5, 0.5);
                    case GAMMA -> TestData.uniform(rng, count, 0.5, 1.5);
                    case VARIANCE -> TestData.uniform(rng, count, 0.5, 2);
                    case SHIFTED -> TestData.uniform(rng, count, -1, 2);
                    case AWAY_FROM_ZERO -> TestData.awayFromZero(rng, count, 0.05, 1.0);
                    case DISTINCT -> TestData.distinct(rng, count, -1, 1.0 / 1024);
                    case LOGITS -> TestData.uniform(rng, count, -3, 3);
                };
            }

            @Override
            public double[] labels(String name, int n, int classes) {
                return TestData.labels(rng, n, classes);
            }
        };
    }

    /** The inputs of a golden case (shapes checked against the request). */
    static Values golden(Goldens.Case c) {
        return new Values() {
            @Override
            public double[] get(String name, int[] shape, Kind kind) {
                int[] stored = c.inputShape(name);
                if (!java.util.Arrays.equals(stored, shape)) {
                    throw new IllegalStateException("golden " + c.name() + "/" + name + " has shape " + org.resnet4j.core.Shape.str(stored)
                            + " but the layer needs " + org.resnet4j.core.Shape.str(shape) + "; regenerate the goldens");
                }
                return c.input(name);
            }

            @Override
            public double[] labels(String name, int n, int classes) {
                return c.input(name);
            }
        };
    }
}
