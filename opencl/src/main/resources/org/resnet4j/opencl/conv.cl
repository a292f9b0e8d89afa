// im2col / col2im for one image and one group; the matrix products run in gemm.cl.
// col (cpg*kH*kW, oh*ow): row (c, ky, kx), column (oy, ox). x points at the group's first channel.

__kernel void im2col(const __global float* x, const int xOff, __global float* col,
                     const int cpg, const int h, const int w, const int kH, const int kW,
                     const int sH, const int sW, const int pH, const int pW, const int dH, const int dW,
                     const int oh, const int ow) {
    int idx = get_global_id(0);
    int ohw = oh * ow;
    if (idx >= cpg * kH * kW * ohw) return;
    int p = idx % ohw, row = idx / ohw;
    int ox = p % ow, oy = p / ow;
    int kx = row % kW, ky = (row / kW) % kH, c = row / (kW * kH);
    int iy = oy * sH - pH + ky * dH, ix = ox * sW - pW + kx * dW;
    col[idx] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[xOff + ((size_t)c * h + iy) * w + ix] : 0.0f;
}

// dx (group's channels of one image) = col2im(col), overwritten. Gathers, so no two work-items write
// the same element; the contributions are added in (ky, kx) order, the order of the CPU's scatter.
__kernel void col2im(const __global float* col, __global float* dx, const int dxOff,
                     const int cpg, const int h, const int w, const int kH, const int kW,
                     const int sH, const int sW, const int pH, const int pW, const int dH, const int dW,
                     const int oh, const int ow) {
    int idx = get_global_id(0);
    if (idx >= cpg * h * w) return;
    int ix = idx % w, iy = (idx / w) % h, c = idx / (w * h);
    int ohw = oh * ow;
    float s = 0.0f;
    for (int ky = 0; ky < kH; ky++) {
        int ty = iy + pH - ky * dH;
        if (ty < 0 || ty % sH != 0) continue;
        int oy = ty / sH;
        if (oy >= oh) continue;
        for (int kx = 0; kx < kW; kx++) {
            int tx = ix + pW - kx * dW;
            if (tx < 0 || tx % sW != 0) continue;
            int ox = tx / sW;
            if (ox >= ow) continue;
            s += col[((size_t)(c * kH + ky) * kW + kx) * ohw + oy * ow + ox];
        }
    }
    dx[dxOff + idx] = s;
}
