package org.resnet4j.ops.api;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * Turns a {@link BufferedImage} into the model's input, as torchvision's transforms do: resize to
 * width x height (bilinear), convert to RGB or grayscale (PIL's L = 0.299 R + 0.587 G + 0.114 B),
 * scale to [0, 1] (ToTensor) and normalize per channel, (x - mean) / std (Normalize). The result is
 * CHW, row-major. The normalization must be the one the weights were trained with.
 */
public record ImagePreprocessing(int width, int height, int channels, float[] mean, float[] std) {

    public ImagePreprocessing {
        if (width < 1 || height < 1) throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 (grayscale) or 3 (RGB), got " + channels);
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException("mean and std need one value per channel (" + channels + "), got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("std values must be positive, got " + Arrays.toString(std));
        mean = mean.clone();
        std = std.clone();
    }

    /** ImageNet's RGB normalization (torchvision's pretrained weights), resized to size x size. */
    public static ImagePreprocessing imagenet(int size) {
        return new ImagePreprocessing(size, size, 3, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    }

    /** RGB resized to width x height with the given per-channel mean and std. */
    public static ImagePreprocessing rgb(int width, int height, float[] mean, float[] std) {
        return new ImagePreprocessing(width, height, 3, mean, std);
    }

    /** Grayscale resized to width x height (e.g. 28x28 for Fashion-MNIST) with the given mean and std. */
    public static ImagePreprocessing grayscale(int width, int height, float mean, float std) {
        return new ImagePreprocessing(width, height, 1, new float[] {mean}, new float[] {std});
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** The (C, H, W) shape this produces. */
    public int[] shape() {
        return new int[] {channels, height, width};
    }

    /** The image as normalized CHW floats of length channels * height * width. */
    public float[] toChw(BufferedImage image) {
        if (image == null) throw new IllegalArgumentException("image is null (ImageIO.read returns null for an unsupported format)");
        BufferedImage src = image.getColorModel().hasAlpha() ? withoutAlpha(image) : image;
        BufferedImage img = src;
        if (src.getWidth() != width || src.getHeight() != height || src.getType() != BufferedImage.TYPE_INT_RGB) {
            img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(src, 0, 0, width, height, null);
            g.dispose();
        }
        int plane = width * height;
        float[] out = new float[channels * plane];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = img.getRGB(x, y);
                float r = ((rgb >> 16) & 0xFF) / 255f, gr = ((rgb >> 8) & 0xFF) / 255f, b = (rgb & 0xFF) / 255f;
                int i = y * width + x;
                if (channels == 3) {
                    out[i] = (r - mean[0]) / std[0];
                    out[plane + i] = (gr - mean[1]) / std[1];
                    out[2 * plane + i] = (b - mean[2]) / std[2];
                } else {
                    float l = 0.299f * r + 0.587f * gr + 0.114f * b;
                    out[i] = (l - mean[0]) / std[0];
                }
            }
        }
        return out;
    }

    /**
     * The colours with the alpha channel dropped, as PIL's {@code convert("RGB")} does (a transparent
     * white pixel stays white); drawing onto an opaque image would composite it over black instead.
     */
    public static BufferedImage withoutAlpha(BufferedImage image) {
        int w = image.getWidth(), h = image.getHeight();
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            rgb.setRGB(0, y, w, 1, row, 0, w); // TYPE_INT_RGB keeps the colour bits and ignores alpha
        }
        return rgb;
    }
}
