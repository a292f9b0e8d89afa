// Reductions with a fixed shape: REDUCE_WG work-items per group, each summing a fixed strided
// subset, then a tree in local memory. The same inputs therefore always give the same bits.

// Tree-sums buf[0..REDUCE_WG) into buf[0]; every work-item of the group must call it.
inline void tree_sum(__local float* buf, int lid) {
    for (int s = REDUCE_WG / 2; s > 0; s >>= 1) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < s) buf[lid] += buf[lid + s];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
}

// tree_sum of two buffers side by side, in the same order
inline void tree_sum2(__local float* a, __local float* b, int lid) {
    for (int s = REDUCE_WG / 2; s > 0; s >>= 1) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < s) { a[lid] += a[lid + s]; b[lid] += b[lid + s]; }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
}

// partial[g] = sum (mode 0) / sum of squares (mode 1) / max |x| with NaN propagated (mode 2) /
// count of non-finite values (mode 3) over a grid-strided share of x. The host adds the partials in
// order, in double.
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void reduce_partials(const __global float* x, const int n, const int mode, __global float* partial) {
    __local float buf[REDUCE_WG];
    int lid = get_local_id(0), gid = get_global_id(0), stride = get_global_size(0);
    float acc = 0.0f;
    for (int i = gid; i < n; i += stride) {
        float v = x[i];
        if (mode == 0) acc += v;
        else if (mode == 1) acc = fma(v, v, acc);
        else if (mode == 2) acc = (isnan(v) || isnan(acc)) ? NAN : fmax(acc, fabs(v));
        else acc += isfinite(v) ? 0.0f : 1.0f;
    }
    buf[lid] = acc;
    if (mode == 2) {
        for (int s = REDUCE_WG / 2; s > 0; s >>= 1) {
            barrier(CLK_LOCAL_MEM_FENCE);
            if (lid < s) {
                float a = buf[lid], b = buf[lid + s];
                buf[lid] = (isnan(a) || isnan(b)) ? NAN : fmax(a, b);
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    } else {
        tree_sum(buf, lid);
    }
    if (lid == 0) partial[get_group_id(0)] = buf[0];
}

// acc[ch] += sum over (n, hw) of x (n, c, hw): one work-group per channel
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void sum_per_channel_acc(const __global float* x, __global float* acc, const int n, const int c, const int hw) {
    __local float buf[REDUCE_WG];
    int lid = get_local_id(0), ch = get_group_id(0);
    int m = n * hw;
    float s = 0.0f;
    for (int e = lid; e < m; e += REDUCE_WG) {
        int i = e / hw, j = e - i * hw;
        s += x[((size_t)i * c + ch) * hw + j];
    }
    buf[lid] = s;
    tree_sum(buf, lid);
    if (lid == 0) acc[ch] += buf[0];
}
