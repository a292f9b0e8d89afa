package org.resnet4j.core.cpu;

import org.resnet4j.core.Parallel;

/** Single-precision matrix product on row-major arrays. Each C row is owned by one task (deterministic). */
final class Gemm {
    private Gemm() {}

    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int offA, int lda, float[] b, int offB, int ldb,
                      float beta, float[] c, int offC, int ldc) {
        if (m == 0 || n == 0) return;
        Parallel.forEach(m, i -> {
            int rowC = offC + i * ldc;
            float[] acc = new float[n];
            for (int p = 0; p < k; p++) {
                float av = transA ? a[offA + p * lda + i] : a[offA + i * lda + p];
                if (av == 0f) continue;
                if (!transB) {
                    int rowB = offB + p * ldb;
                    for (int j = 0; j < n; j++) acc[j] += av * b[rowB + j];
                } else {
                    for (int j = 0; j < n; j++) acc[j] += av * b[offB + j * ldb + p];
                }
            }
            for (int j = 0; j < n; j++) {
                float prev = beta == 0f ? 0f : beta * c[rowC + j];
                c[rowC + j] = alpha * acc[j] + prev;
            }
        });
    }
}
