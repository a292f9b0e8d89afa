package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resnet4j.core.Rng;

/**
 * Batch norm's per-channel sums over the planes of one channel (Kernels.sumPlanes and its two siblings), vector and
 * scalar, against the same sums in float64 element by element. The shapes cover a batch that is not a multiple of the
 * four planes the vector kernels take at a time, planes with and without a scalar tail, and planes longer than the
 * run after which a float lane hands its partial sum to double.
 */
class PlaneSumsTest {

    @ParameterizedTest(name = "n={0} c={1} hw={2}")
    @CsvSource({"1,1,1", "3,2,49", "4,3,49", "7,2,196", "8,1,784", "5,3,1040", "2,2,12544", "9,4,15"})
    void planeSumsAreTheFloat64Sums(int n, int c, int hw) {
        Rng r = new Rng(31L * n + c + hw);
        float[] x = new float[n * c * hw], dy = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (3.0 + r.nextGaussian() * 2.0);
            dy[i] = (float) r.nextGaussian();
        }
        for (Kernels kr : new Kernels[] {Simd.KERNELS, new Kernels()}) {
            for (int ch = 0; ch < c; ch++) {
                double sum = 0, absSum = 0;
                for (int p = 0; p < n; p++) {
                    for (int j = 0; j < hw; j++) {
                        float v = x[(p * c + ch) * hw + j];
                        sum += v;
                        absSum += Math.abs(v);
                    }
                }
                float mu = (float) (sum / ((double) n * hw));
                double sq = 0, dySum = 0, dyAbs = 0, prod = 0, prodAbs = 0;
                for (int p = 0; p < n; p++) {
                    for (int j = 0; j < hw; j++) {
                        int i = (p * c + ch) * hw + j;
                        double d = x[i] - mu;
                        sq += d * d;
                        dySum += dy[i];
                        dyAbs += Math.abs(dy[i]);
                        prod += dy[i] * d;
                        prodAbs += Math.abs(dy[i] * d);
                    }
                }
                // float32 partial sums of at most 32 terms a lane: a few float ulps of the sum of magnitudes
                double rel = 4e-6;
                String what = kr.describe() + ", channel " + ch;
                assertThat(kr.sumPlanes(x, ch * hw, c * hw, n, hw)).as("sum, %s", what).isCloseTo(sum, within(rel * absSum));
                assertThat(kr.sumSqDiffPlanes(x, mu, ch * hw, c * hw, n, hw)).as("sum of squares, %s", what)
                        .isCloseTo(sq, within(rel * sq));
                double[] out = {Double.NaN, Double.NaN};
                kr.sumAndSumProdCenteredPlanes(dy, x, mu, ch * hw, c * hw, n, hw, out);
                assertThat(out[0]).as("sum of dy, %s", what).isCloseTo(dySum, within(rel * dyAbs));
                assertThat(out[1]).as("sum of dy (x - mu), %s", what).isCloseTo(prod, within(rel * prodAbs));
            }
        }
    }
}
