// Batch normalization over (n, h, w) per channel; one work-group per channel for the reductions,
// with the fixed-order tree of reduce.cl (deterministic). Tensors are (n, c, hw).
// Flags hasGamma / hasBeta / hasDGamma / hasDBeta say whether the optional buffers are real.

#define BN_AT(i, j) (((size_t)(i) * c + ch) * hw + (j))

__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void bn_train_forward(const __global float* x, const __global float* gamma, const __global float* beta,
                      const int hasGamma, const int hasBeta, const float eps, __global float* y,
                      __global float* mean, __global float* var, __global float* invStd,
                      const int n, const int c, const int hw) {
    __local float buf[REDUCE_WG];
    int lid = get_local_id(0), ch = get_group_id(0);
    int m = n * hw;
    // mean = E[x]
    float s = 0.0f;
    for (int e = lid; e < m; e += REDUCE_WG) { int i = e / hw, j = e - i * hw; s += x[BN_AT(i, j)]; }
    buf[lid] = s;
    tree_sum(buf, lid);
    float mu = buf[0] / (float)m;
    barrier(CLK_LOCAL_MEM_FENCE);
    // var = E[(x - mean)^2], biased, two-pass for accuracy
    float ss = 0.0f;
    for (int e = lid; e < m; e += REDUCE_WG) {
        int i = e / hw, j = e - i * hw;
        float d = x[BN_AT(i, j)] - mu;
        ss = fma(d, d, ss);
    }
    buf[lid] = ss;
    tree_sum(buf, lid);
    float v = buf[0] / (float)m;
    float is = 1.0f / sqrt(v + eps);
    float g = hasGamma ? gamma[ch] : 1.0f;
    float scale = is * g;
    float b = hasBeta ? beta[ch] : 0.0f;
    if (lid == 0) { mean[ch] = mu; var[ch] = v; invStd[ch] = is; }
    // (x - mean) * scale + beta rather than x * scale + shift: with a tiny variance, scale is large
    // and the folded shift would cancel catastrophically
    for (int e = lid; e < m; e += REDUCE_WG) {
        int i = e / hw, j = e - i * hw;
        y[BN_AT(i, j)] = fma(x[BN_AT(i, j)] - mu, scale, b);
    }
}

__kernel void bn_eval_forward(const __global float* x, const __global float* runMean, const __global float* runVar,
                              const __global float* gamma, const __global float* beta, const int hasGamma,
                              const int hasBeta, const float eps, __global float* y, const int c, const int hw,
                              const int total) {
    int e = get_global_id(0);
    if (e >= total) return;
    int ch = (e / hw) % c;
    float is = 1.0f / sqrt(runVar[ch] + eps);
    float scale = is * (hasGamma ? gamma[ch] : 1.0f);
    y[e] = fma(x[e] - runMean[ch], scale, hasBeta ? beta[ch] : 0.0f);
}

// dbeta += sum(dy); dgamma += sum(dy * xhat); dx = gamma * invStd / m * (m*dy - sum(dy) - xhat * sum(dy * xhat))
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void bn_train_backward(const __global float* dy, const __global float* x, const __global float* gamma,
                       const int hasGamma, const __global float* mean, const __global float* invStd,
                       __global float* dx, __global float* dGamma, __global float* dBeta,
                       const int hasDGamma, const int hasDBeta, const int n, const int c, const int hw) {
    __local float buf[REDUCE_WG];
    __local float buf2[REDUCE_WG];
    int lid = get_local_id(0), ch = get_group_id(0);
    int m = n * hw;
    float mu = mean[ch], is = invStd[ch];
    float sdy = 0.0f, sdyx = 0.0f;
    for (int e = lid; e < m; e += REDUCE_WG) {
        int i = e / hw, j = e - i * hw;
        float g = dy[BN_AT(i, j)];
        sdy += g;
        sdyx = fma(g, (x[BN_AT(i, j)] - mu) * is, sdyx);
    }
    buf[lid] = sdy;
    buf2[lid] = sdyx;
    for (int s = REDUCE_WG / 2; s > 0; s >>= 1) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < s) { buf[lid] += buf[lid + s]; buf2[lid] += buf2[lid + s]; }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    float sumDy = buf[0], sumDyXhat = buf2[0];
    if (lid == 0) {
        if (hasDBeta) dBeta[ch] += sumDy;
        if (hasDGamma) dGamma[ch] += sumDyXhat;
    }
    float fm = (float)m;
    float k = (hasGamma ? gamma[ch] : 1.0f) * is / fm;
    for (int e = lid; e < m; e += REDUCE_WG) {
        int i = e / hw, j = e - i * hw;
        float xhat = (x[BN_AT(i, j)] - mu) * is;
        dx[BN_AT(i, j)] = k * (fm * dy[BN_AT(i, j)] - sumDy - xhat * sumDyXhat);
    }
}

// dx = dy * gamma / sqrt(runVar + eps); dgamma += sum(dy * xhat); dbeta += sum(dy)
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void bn_eval_backward(const __global float* dy, const __global float* x, const __global float* runMean,
                      const __global float* runVar, const __global float* gamma, const int hasGamma, const float eps,
                      __global float* dx, __global float* dGamma, __global float* dBeta,
                      const int hasDGamma, const int hasDBeta, const int n, const int c, const int hw) {
    __local float buf[REDUCE_WG];
    __local float buf2[REDUCE_WG];
    int lid = get_local_id(0), ch = get_group_id(0);
    int m = n * hw;
    float mu = runMean[ch];
    float is = 1.0f / sqrt(runVar[ch] + eps);
    float k = is * (hasGamma ? gamma[ch] : 1.0f);
    float sdy = 0.0f, sdyx = 0.0f;
    for (int e = lid; e < m; e += REDUCE_WG) {
        int i = e / hw, j = e - i * hw;
        float g = dy[BN_AT(i, j)];
        sdy += g;
        sdyx = fma(g, (x[BN_AT(i, j)] - mu) * is, sdyx);
        dx[BN_AT(i, j)] = g * k;
    }
    buf[lid] = sdy;
    buf2[lid] = sdyx;
    for (int s = REDUCE_WG / 2; s > 0; s >>= 1) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < s) { buf[lid] += buf[lid + s]; buf2[lid] += buf2[lid + s]; }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) {
        if (hasDBeta) dBeta[ch] += buf[0];
        if (hasDGamma) dGamma[ch] += buf2[0];
    }
}
