// Convolution as matrix products over a chunk of B images at once (one group at a time), so that the
// GEMM is wide enough to fill a GPU: columns of every matrix below are (image, oy, ox) of the chunk.
//   col (cpg*kH*kW, B*oh*ow): row (c, ky, kx), column (b, oy, ox)   = im2col of the chunk
// (the products read dy's (copg, B*oh*ow) group slice straight from NCHW: gemm.cl's B groups)
// x points at image 0 of the chunk, channel 0 of the group; imgStride = cIn*h*w (or cOut*oh*ow).

// One work-item per column (b, oy, ox) and block of IM2COL_ROWS consecutive rows (c, ky, kx): the
// integer divisions that find a column's and a row's coordinates (the costly part on a GPU, more than
// the memory traffic) happen once per block, and the rows are walked by increments. Work-items next to
// each other along dimension 0 write neighbouring floats of each row of col.
#define IM2COL_ROWS 8
__kernel void im2col(const __global float* x, const int xOff, const int imgStride, __global float* col, const int B,
                     const int cpg, const int h, const int w, const int kH, const int kW,
                     const int sH, const int sW, const int pH, const int pW, const int dH, const int dW,
                     const int oh, const int ow) {
    const int ohw = oh * ow, cols = B * ohw, rows = cpg * kH * kW;
    const int colIdx = get_global_id(0), row0 = get_global_id(1) * IM2COL_ROWS;
    if (colIdx >= cols || row0 >= rows) return;
    const int t = colIdx / ow, ox = colIdx - t * ow, b = t / oh, oy = t - b * oh;
    int kx = row0 % kW, r = row0 / kW, ky = r % kH, c = r / kH;
    const __global float* xb = x + xOff + (size_t)b * imgStride;
    const int iy0 = oy * sH - pH, ix0 = ox * sW - pW, rowEnd = min(rows, row0 + IM2COL_ROWS);
    for (int row = row0; row < rowEnd; row++) {
        int iy = iy0 + ky * dH, ix = ix0 + kx * dW;
        col[(size_t)row * cols + colIdx] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? xb[((size_t)c * h + iy) * w + ix] : 0.0f;
        if (++kx == kW) {
            kx = 0;
            if (++ky == kH) {
                ky = 0;
                c++;
            }
        }
    }
}

// dx (group's channels of the chunk's images) = col2im(col), overwritten. Gathers, so no two
// work-items write the same element; contributions are added in (ky, kx) order, the order of the
// CPU's scatter. Stride 1 (every stride-1 input gradient) skips the divisibility tests and divisions.
__kernel void col2im(const __global float* col, __global float* dx, const int dxOff, const int imgStride, const int B,
                     const int cpg, const int h, const int w, const int kH, const int kW,
                     const int sH, const int sW, const int pH, const int pW, const int dH, const int dW,
                     const int oh, const int ow) {
    int idx = get_global_id(0);
    int plane = cpg * h * w;
    if (idx >= B * plane) return;
    int b = idx / plane, r = idx - b * plane;
    int t = r / w, ix = r - t * w, c = t / h, iy = t - c * h;
    int ohw = oh * ow, cols = B * ohw;
    const __global float* cb = col + (size_t)c * kH * kW * cols + b * ohw;
    float s = 0.0f;
    if (sH == 1 && sW == 1) {
        for (int ky = 0; ky < kH; ky++) {
            int oy = iy + pH - ky * dH;
            if (oy < 0 || oy >= oh) continue;
            for (int kx = 0; kx < kW; kx++) {
                int ox = ix + pW - kx * dW;
                if (ox < 0 || ox >= ow) continue;
                s += cb[(size_t)(ky * kW + kx) * cols + oy * ow + ox];
            }
        }
    } else {
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
                s += cb[(size_t)(ky * kW + kx) * cols + oy * ow + ox];
            }
        }
    }
    dx[dxOff + (size_t)b * imgStride + r] = s;
}
