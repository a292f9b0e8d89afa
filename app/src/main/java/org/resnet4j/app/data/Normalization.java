package org.resnet4j.app.data;

import java.util.Arrays;

/**
 * Per-channel {@code (x - mean) / std}, torchvision's {@code Normalize}. The statistics come from the
 * training set (population standard deviation over every pixel of a channel) and are saved with the
 * model, so eval and predict normalize exactly as training did.
 */
public record Normalization(float[] mean, float[] std) {

    public Normalization {
        if (mean.length != std.length) throw new IllegalArgumentException("mean has " + mean.length + " channels, std " + std.length);
        for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("normalization std must be > 0, got " + Arrays.toString(std));
        mean = mean.clone();
        std = std.clone();
    }

    public int channels() {
        return mean.length;
    }

    /** Mean and standard deviation of each channel over the whole data set, summed in double. */
    public static Normalization of(Dataset ds) {
        int c = ds.channels(), plane = ds.height() * ds.width();
        double[] sum = new double[c], sq = new double[c];
        float[] im = ds.images();
        for (int i = 0; i < ds.size(); i++) {
            for (int ch = 0; ch < c; ch++) {
                int off = (i * c + ch) * plane;
                double s = 0, q = 0;
                for (int k = 0; k < plane; k++) {
                    double v = im[off + k];
                    s += v;
                    q += v * v;
                }
                sum[ch] += s;
                sq[ch] += q;
            }
        }
        float[] mean = new float[c], std = new float[c];
        double count = (double) ds.size() * plane;
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / count;
            mean[ch] = (float) m;
            std[ch] = (float) Math.sqrt(Math.max(sq[ch] / count - m * m, 1e-12));
        }
        return new Normalization(mean, std);
    }

    /** Normalizes one CHW image in place. */
    public void apply(float[] chw, int offset, int plane) {
        for (int ch = 0; ch < mean.length; ch++) {
            float m = mean[ch], inv = 1f / std[ch];
            int o = offset + ch * plane;
            for (int k = 0; k < plane; k++) chw[o + k] = (chw[o + k] - m) * inv;
        }
    }
}
