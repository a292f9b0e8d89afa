// Batch normalization over (n, h, w) per channel; one work-group per channel for the reductions,
// with the fixed-order tree of reduce.cl (deterministic). Tensors are (n, c, hw).
// Flags hasGamma / hasBeta / hasDGamma / hasDBeta say whether the optional buffers are real.

#define BN_AT(i, j) (((size_t)(i) * c + ch) * hw + (j))

// This work-item's sums over elements e0, e0 + REDUCE_WG, ... < e1 of channel ch: of dy into buf[lid], of
// dy * xhat into buf2[lid] (the backward pass's two reductions, before tree_sum2)
inline void bn_grad_sums(const __global float* dy, const __global float* x, float mu, float is, int e0, int e1,
                         int c, int hw, int ch, int lid, __local float* buf, __local float* buf2) {
    float sdy = 0.0f, sdyx = 0.0f;
    for (int e = e0; e < e1; e += REDUCE_WG) {
        int i = e / hw, j = e - i * hw;
        float g = dy[BN_AT(i, j)];
        sdy += g;
        sdyx = fma(g, (x[BN_AT(i, j)] - mu) * is, sdyx);
    }
    buf[lid] = sdy;
    buf2[lid] = sdyx;
}

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
                              const int total, const int relu) {
    int e = get_global_id(0);
    if (e >= total) return;
    int ch = (e / hw) % c;
    float is = 1.0f / sqrt(runVar[ch] + eps);
    float scale = is * (hasGamma ? gamma[ch] : 1.0f);
    y[e] = relu_if(fma(x[e] - runMean[ch], scale, hasBeta ? beta[ch] : 0.0f), relu);
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
    bn_grad_sums(dy, x, mu, is, lid, m, c, hw, ch, lid, buf, buf2);
    tree_sum2(buf, buf2, lid);
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
    tree_sum2(buf, buf2, lid);
    if (lid == 0) {
        if (hasDBeta) dBeta[ch] += buf[0];
        if (hasDGamma) dGamma[ch] += buf2[0];
    }
}

// The same training-mode statistics and gradients with each channel's reduction spread over S
// work-groups, for layers with fewer channels than the device has compute units (a CIFAR ResNet's 16
// channels would otherwise keep 16 of a GPU's units busy). Work-group g reduces share s = g % S of
// channel ch = g / S: elements [s * per, (s + 1) * per) of its n * hw, per = ceil(n * hw / S). The
// per-channel kernels then add the S partials in order, so results do not depend on scheduling.

#define BN_SHARE_BEGIN                                                                              \
    int lid = get_local_id(0), ch = get_group_id(0) / S, share = get_group_id(0) % S;              \
    int m = n * hw, per = (m + S - 1) / S;                                                           \
    int e0 = share * per, e1 = min(m, e0 + per);

// partial[ch * S + s] = sum of x (centered == 0) or of (x - mean[ch])^2 (centered == 1) over share s
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void bn_share_sums(const __global float* x, const __global float* mean, const int centered,
                   __global float* partial, const int n, const int c, const int hw, const int S) {
    __local float buf[REDUCE_WG];
    BN_SHARE_BEGIN
    float mu = centered ? mean[ch] : 0.0f;
    float s = 0.0f;
    for (int e = e0 + lid; e < e1; e += REDUCE_WG) {
        int i = e / hw, j = e - i * hw;
        float d = x[BN_AT(i, j)] - mu;
        s = centered ? fma(d, d, s) : s + d;
    }
    buf[lid] = s;
    tree_sum(buf, lid);
    if (lid == 0) partial[ch * S + share] = buf[0];
}

// stage 0: mean[ch] = sum / m; stage 1: var[ch] = sum / m (biased), invStd[ch] = 1 / sqrt(var + eps)
__kernel void bn_finish_stats(const __global float* partial, const int S, const int m, const float eps,
                              const int stage, __global float* mean, __global float* var,
                              __global float* invStd, const int c) {
    int ch = get_global_id(0);
    if (ch >= c) return;
    float s = 0.0f;
    for (int k = 0; k < S; k++) s += partial[ch * S + k];
    float v = s / (float)m;
    if (stage == 0) {
        mean[ch] = v;
    } else {
        var[ch] = v;
        invStd[ch] = 1.0f / sqrt(v + eps);
    }
}

// y = (x - mean) * (invStd * gamma) + beta, element-wise over (n, c, hw)
__kernel void bn_apply(const __global float* x, const __global float* mean, const __global float* invStd,
                       const __global float* gamma, const __global float* beta, const int hasGamma,
                       const int hasBeta, __global float* y, const int c, const int hw, const int total,
                       const int relu) {
    int e = get_global_id(0);
    if (e >= total) return;
    int ch = (e / hw) % c;
    float scale = invStd[ch] * (hasGamma ? gamma[ch] : 1.0f);
    y[e] = relu_if(fma(x[e] - mean[ch], scale, hasBeta ? beta[ch] : 0.0f), relu);
}

// partial[2 * (ch * S + s)] = sum of dy, [.. + 1] = sum of dy * xhat, over share s
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void bn_backward_share_sums(const __global float* dy, const __global float* x, const __global float* mean,
                            const __global float* invStd, __global float* partial, const int n, const int c,
                            const int hw, const int S) {
    __local float buf[REDUCE_WG];
    __local float buf2[REDUCE_WG];
    BN_SHARE_BEGIN
    float mu = mean[ch], is = invStd[ch];
    bn_grad_sums(dy, x, mu, is, e0 + lid, e1, c, hw, ch, lid, buf, buf2);
    tree_sum2(buf, buf2, lid);
    if (lid == 0) {
        partial[2 * (ch * S + share)] = buf[0];
        partial[2 * (ch * S + share) + 1] = buf2[0];
    }
}

// sums[2ch] = sum of dy, sums[2ch + 1] = sum of dy * xhat (partials added in order); dbeta, dgamma += them
__kernel void bn_backward_finish(const __global float* partial, const int S, __global float* sums,
                                 __global float* dGamma, __global float* dBeta, const int hasDGamma,
                                 const int hasDBeta, const int c) {
    int ch = get_global_id(0);
    if (ch >= c) return;
    float sdy = 0.0f, sdyx = 0.0f;
    for (int k = 0; k < S; k++) {
        sdy += partial[2 * (ch * S + k)];
        sdyx += partial[2 * (ch * S + k) + 1];
    }
    sums[2 * ch] = sdy;
    sums[2 * ch + 1] = sdyx;
    if (hasDBeta) dBeta[ch] += sdy;
    if (hasDGamma) dGamma[ch] += sdyx;
}

// dx = gamma * invStd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat)), element-wise
__kernel void bn_backward_apply(const __global float* dy, const __global float* x, const __global float* gamma,
                                const int hasGamma, const __global float* mean, const __global float* invStd,
                                const __global float* sums, __global float* dx, const int c, const int hw,
                                const int m, const int total) {
    int e = get_global_id(0);
    if (e >= total) return;
    int ch = (e / hw) % c;
    float mu = mean[ch], is = invStd[ch], fm = (float)m;
    float k = (hasGamma ? gamma[ch] : 1.0f) * is / fm;
    float xhat = (x[e] - mu) * is;
    dx[e] = k * (fm * dy[e] - sums[2 * ch] - xhat * sums[2 * ch + 1]);
}
