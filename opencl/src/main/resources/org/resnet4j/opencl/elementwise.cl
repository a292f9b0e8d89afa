// Element-wise kernels: one work-item per element, global size rounded up, so each checks its index.

__kernel void fill_f(__global float* t, const int n, const float value) {
    int i = get_global_id(0);
    if (i < n) t[i] = value;
}

// torch.relu's value when `relu` is set (NaN stays NaN), v itself otherwise: kernels that a ReLU in place on
// their output was folded into (OpenClBackend's held-back launches) end with it
inline float relu_if(float v, int relu) {
    return (!relu || v > 0.0f || isnan(v)) ? v : 0.0f;
}

__kernel void add_f(const __global float* a, const __global float* b, __global float* out, const int n, const int relu) {
    int i = get_global_id(0);
    if (i < n) out[i] = relu_if(a[i] + b[i], relu);
}

// y += alpha * x, written as a product then a sum (no contraction) like the CPU loop
__kernel void axpy_f(const float alpha, const __global float* x, __global float* y, const int n) {
    int i = get_global_id(0);
    if (i < n) {
        float p = alpha * x[i];
        y[i] = y[i] + p;
    }
}

__kernel void scale_f(const __global float* x, const float alpha, __global float* out, const int n) {
    int i = get_global_id(0);
    if (i < n) out[i] = alpha * x[i];
}

__kernel void mul_f(const __global float* a, const __global float* b, __global float* out, const int n) {
    int i = get_global_id(0);
    if (i < n) out[i] = a[i] * b[i];
}

__kernel void relu_f(const __global float* x, __global float* y, const int n) {
    int i = get_global_id(0);
    if (i < n) {
        y[i] = relu_if(x[i], 1);
    }
}

// dx = dy where y > 0 (threshold_backward on the output)
__kernel void relu_backward_f(const __global float* dy, const __global float* y, __global float* dx, const int n) {
    int i = get_global_id(0);
    if (i < n) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

// y (n, c, hw) += bias[c]
__kernel void add_channel_bias(__global float* y, const __global float* bias, const int c, const int hw, const int total) {
    int i = get_global_id(0);
    if (i < total) y[i] += bias[(i / hw) % c];
}

// y (n, before + c + after, hw) = x (n, c, hw) with zero channels around it
__kernel void pad_channels(const __global float* x, __global float* y, const int c, const int before, const int cy,
                           const int hw, const int total) {
    int i = get_global_id(0);
    if (i >= total) return;
    int j = i % hw, ch = (i / hw) % cy, img = i / (hw * cy);
    int cx = ch - before;
    y[i] = (cx >= 0 && cx < c) ? x[((size_t)img * c + cx) * hw + j] : 0.0f;
}

// dx (n, c, hw) = dy[:, start:start+c]
__kernel void slice_channels(const __global float* dy, __global float* dx, const int c, const int start, const int cy,
                             const int hw, const int total) {
    int i = get_global_id(0);
    if (i >= total) return;
    int j = i % hw, ch = (i / hw) % c, img = i / (hw * c);
    dx[i] = dy[((size_t)img * cy + start + ch) * hw + j];
}
