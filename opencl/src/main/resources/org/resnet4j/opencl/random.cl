// Counter-based uniforms, bit for bit the same as org.resnet4j.core.Rng.uniformAt(seed, index):
// z = mix64(seed * GOLDEN_GAMMA + mix64(index + GOLDEN_GAMMA)); u = (z >>> 40) * 2^-24.
// Java's long arithmetic wraps modulo 2^64 exactly like ulong, and >>> is the unsigned shift.

#define GOLDEN_GAMMA 0x9E3779B97F4A7C15UL

inline ulong mix64(ulong z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}

// mask[i] = (u(seed, i) < keepProb) ? keepScale : 0. The host passes keepProb as the integer bound
// t = ceil(keepProb * 2^24), since u = r * 2^-24 < keepProb <=> r < t exactly (a float compare would
// round keepProb).
__kernel void dropout_mask(__global float* mask, const int n, const ulong seed, const ulong bound,
                           const float keepScale) {
    int i = get_global_id(0);
    if (i >= n) return;
    ulong z = mix64(seed * GOLDEN_GAMMA + mix64((ulong)i + GOLDEN_GAMMA));
    mask[i] = (z >> 40) < bound ? keepScale : 0.0f;
}

// u(seed, i) as a float (exact: 24 bits), for tests of the port
__kernel void uniform_at(__global float* out, const int n, const ulong seed) {
    int i = get_global_id(0);
    if (i >= n) return;
    ulong z = mix64(seed * GOLDEN_GAMMA + mix64((ulong)i + GOLDEN_GAMMA));
    out[i] = (float)(z >> 40) * 0x1.0p-24f;
}
