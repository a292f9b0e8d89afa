// Softmax and cross-entropy with PyTorch's label smoothing (target = (1-s) * onehot + s/k).
// One work-item per row; logits and probs are (n, k), labels (n) hold class indices as floats.

__kernel void softmax_rows(const __global float* z, __global float* p, const int n, const int k) {
    int i = get_global_id(0);
    if (i >= n) return;
    const __global float* zr = z + (size_t)i * k;
    __global float* pr = p + (size_t)i * k;
    float mx = -INFINITY;
    for (int j = 0; j < k; j++) mx = fmax(mx, zr[j]);
    float se = 0.0f;
    for (int j = 0; j < k; j++) se += exp(zr[j] - mx);
    for (int j = 0; j < k; j++) pr[j] = exp(zr[j] - mx) / se;
}

// probs = softmax(z); rowLoss[i] = (1-s) * nll - s/k * sum_j log p_j
__kernel void cross_entropy_rows(const __global float* z, const __global float* labels, const float smoothing,
                                 __global float* p, __global float* rowLoss, const int n, const int k) {
    int i = get_global_id(0);
    if (i >= n) return;
    const __global float* zr = z + (size_t)i * k;
    __global float* pr = p + (size_t)i * k;
    float mx = -INFINITY;
    for (int j = 0; j < k; j++) mx = fmax(mx, zr[j]);
    float se = 0.0f;
    for (int j = 0; j < k; j++) se += exp(zr[j] - mx);
    float lse = mx + log(se);
    float sumLogP = 0.0f;
    for (int j = 0; j < k; j++) {
        float lp = zr[j] - lse;
        pr[j] = exp(lp);
        sumLogP += lp;
    }
    int y = (int)labels[i];
    float nll = -(zr[y] - lse);
    rowLoss[i] = (1.0f - smoothing) * nll - smoothing / (float)k * sumLogP;
}

// out[0] = mean of rowLoss, added in row order by a single work-item (n is a batch size)
__kernel void mean_in_order(const __global float* rowLoss, __global float* out, const int n) {
    if (get_global_id(0) != 0) return;
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += rowLoss[i];
    out[0] = s / (float)n;
}

// dlogits = gradScale * (probs - target)
__kernel void cross_entropy_backward(const __global float* p, const __global float* labels, const float smoothing,
                                     const float gradScale, __global float* d, const int n, const int k) {
    int idx = get_global_id(0);
    if (idx >= n * k) return;
    int i = idx / k, j = idx - i * k;
    int y = (int)labels[i];
    float target = smoothing / (float)k + (j == y ? 1.0f - smoothing : 0.0f);
    d[idx] = gradScale * (p[idx] - target);
}
