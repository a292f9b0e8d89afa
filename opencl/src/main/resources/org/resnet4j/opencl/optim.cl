// Optimizer updates, torch.optim's rules, in the CPU backend's float arithmetic.

// SGD: g = grad + wd*param; buf = first ? g : momentum*buf + (1-dampening)*g;
// g = nesterov ? g + momentum*buf : buf; param -= lr*g
__kernel void sgd_update(__global float* p, const __global float* grad, __global float* buf, const int hasMomentum,
                         const float lr, const float momentum, const float damp, const int nesterov,
                         const float wd, const int firstStep, const int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float d = grad[i];
    if (wd != 0.0f) d = d + wd * p[i];
    if (hasMomentum) {
        float b = firstStep ? d : momentum * buf[i] + damp * d;
        buf[i] = b;
        d = nesterov ? d + momentum * b : b;
    }
    p[i] = p[i] - lr * d;
}

// Adam / AdamW (amsgrad off); stepSize = lr / (1 - b1^t), bc2Sqrt = sqrt(1 - b2^t) and c1 = 1 - b1,
// c2 = 1 - b2 come from the host, computed in double and rounded once as PyTorch does
__kernel void adam_update(__global float* p, const __global float* grad, __global float* m, __global float* v,
                          const float stepSize, const float bc2Sqrt, const float b1, const float b2,
                          const float c1, const float c2, const float eps,
                          const float wd, const int decoupled, const float decay, const int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float gi = grad[i];
    float pi = p[i];
    if (wd != 0.0f) {
        if (decoupled) pi *= decay;
        else gi = gi + wd * pi;
    }
    float mi = m[i] * b1 + c1 * gi;
    float vi = v[i] * b2 + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float denom = sqrt(vi) / bc2Sqrt + eps;
    p[i] = pi - stepSize * (mi / denom);
}
