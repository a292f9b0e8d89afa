package org.resnet4j.app.commands;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.resnet4j.app.data.IdxReader;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.InferenceMode;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.api.ImagePreprocessing;
import org.resnet4j.ops.nn.Softmax;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Top-k classes with probabilities for image files (PNG/JPEG; converted to the model's channels, "
                + "resized to its input size and normalized as in training) or for one image of an IDX file.",
                "Example: resnet4j predict --weights runs/X/best.safetensors --idx t10k-images-idx3-ubyte.gz --index 0"})
public final class PredictCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--weights", required = true, paramLabel = "FILE", description = "weights saved by train (or a run folder)") Path weights;
    @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "PNG or JPEG files") List<Path> images = new ArrayList<>();
    @Option(names = "--idx", paramLabel = "FILE", description = "an IDX image file (e.g. t10k-images-idx3-ubyte.gz)") Path idx;
    @Option(names = "--index", paramLabel = "I", description = "which image of --idx (default ${DEFAULT-VALUE})") int index = 0;
    @CommandLine.Mixin ArchitectureOptions arch;
    @Option(names = {"-k", "--top-k"}, paramLabel = "K", description = "classes to show (default ${DEFAULT-VALUE})") int topK = 3;

    @Override
    public Integer call() throws IOException {
        if (images.isEmpty() && idx == null) throw new CommandLine.ParameterException(spec.commandLine(), "give IMAGE files or --idx FILE");
        if (topK < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--top-k must be >= 1, got " + topK);
        Checkpoints.Loaded l = Checkpoints.load(Checkpoints.resolve(weights), null, null, arch);
        if (l.assumption() != null) spec.commandLine().getErr().println("note: " + l.assumption());
        RunInfo info = l.info();
        List<String> names = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        if (idx != null) {
            int[] shape = new int[3];
            float[] all = IdxReader.readImages(idx, shape);
            if (index < 0 || index >= shape[0]) {
                throw new IllegalArgumentException("--index " + index + " is outside [0, " + shape[0] + ") for " + idx);
            }
            float[] one = new float[shape[1] * shape[2]];
            System.arraycopy(all, index * one.length, one, 0, one.length);
            inputs.add(fit(one, 1, shape[1], shape[2], info));
            names.add(idx + "[" + index + "]");
        }
        for (Path p : images) {
            inputs.add(load(p, info));
            names.add(p.toString());
        }
        float[] p = probabilities(l.model(), info, inputs);
        int k = p.length / inputs.size();
        for (int i = 0; i < inputs.size(); i++) {
            System.out.println(names.get(i) + ":");
            Integer[] order = new Integer[k];
            for (int j = 0; j < k; j++) order[j] = j;
            final int row = i;
            java.util.Arrays.sort(order, (a, b) -> Float.compare(p[row * k + b], p[row * k + a]));
            for (int j = 0; j < Math.min(topK, k); j++) {
                int c = order[j];
                String cls = c < info.classes().size() ? info.classes().get(c) : "class " + c;
                System.out.printf(Locale.ROOT, "  %d. %-14s %6.2f%%%n", j + 1, cls, 100 * p[row * k + c]);
            }
        }
        return 0;
    }

    /**
     * Class probabilities (n, K) row-major of n images given as CHW floats in [0, 1] (as {@link #load} returns them),
     * normalized here in place as in training, in one batch through {@code model} in eval mode.
     */
    public static float[] probabilities(Module model, RunInfo info, List<float[]> inputs) {
        int per = info.inChannels() * info.height() * info.width();
        float[] x = new float[inputs.size() * per];
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).length != per) {
                throw new IllegalArgumentException("image " + i + " has " + inputs.get(i).length + " values, the model takes "
                        + info.inChannels() + "x" + info.height() + "x" + info.width() + " = " + per);
            }
            info.norm().apply(inputs.get(i), 0, info.height() * info.width());
            System.arraycopy(inputs.get(i), 0, x, i * per, per);
        }
        Tensor logits;
        try (InferenceMode ignored = InferenceMode.enter()) {
            logits = model.forward(CpuBackend.get().fromFloats(x, inputs.size(), info.inChannels(), info.height(), info.width()));
        }
        return Softmax.probabilities(logits).toFloats();
    }

    /** Reads an image file as CHW floats in [0, 1] with the model's channels and size. */
    public static float[] load(Path file, RunInfo info) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no image file at " + file);
        return toModelInput(decode(file), info);
    }

    /** The image in {@code content} (the bytes of a PNG or JPEG file called {@code name}) as {@link #load} reads a file. */
    public static float[] load(byte[] content, String name, RunInfo info) throws IOException {
        return toModelInput(decode(content, name), info);
    }

    private static float[] toModelInput(BufferedImage img, RunInfo info) {
        // drop alpha as PIL's convert("RGB") does, rather than compositing over black
        if (img.getColorModel().hasAlpha()) img = ImagePreprocessing.withoutAlpha(img);
        BufferedImage sized = new BufferedImage(info.width(), info.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, info.width(), info.height(), null);
        g.dispose();
        int plane = info.height() * info.width();
        float[] out = new float[info.inChannels() * plane];
        for (int y = 0; y < info.height(); y++) {
            for (int x = 0; x < info.width(); x++) {
                int rgb = sized.getRGB(x, y);
                float r = ((rgb >> 16) & 0xff) / 255f, gr = ((rgb >> 8) & 0xff) / 255f, b = (rgb & 0xff) / 255f;
                int o = y * info.width() + x;
                if (info.inChannels() == 1) {
                    out[o] = 0.299f * r + 0.587f * gr + 0.114f * b; // ITU-R 601 luma, as PIL's convert("L")
                } else {
                    out[o] = r;
                    out[plane + o] = gr;
                    out[2 * plane + o] = b;
                    for (int c = 3; c < info.inChannels(); c++) out[c * plane + o] = 0;
                }
            }
        }
        return out;
    }

    /** Images larger than this (about 256 MB decoded) are refused: a damaged header or a decompression bomb. */
    static final long MAX_PIXELS = 1L << 26;

    /** Decodes after checking the size in the header; a damaged file is an error naming it, not a decoder exception. */
    static BufferedImage decode(Path file) throws IOException {
        return decode(file.toString(), ImageIO.createImageInputStream(file.toFile()), Files.size(file));
    }

    /** {@link #decode(Path)} of the bytes of a file called {@code name}. */
    static BufferedImage decode(byte[] content, String name) throws IOException {
        return decode(name, ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(content)), content.length);
    }

    /**
     * No format ImageIO reads packs more pixels than this into one byte of file (PNG's best case, one
     * bit per pixel deflated 1032-fold, is ~8256; JPEG's under 512): a header promising more is damaged,
     * and decoding it would allocate the whole image before finding the data missing.
     */
    static final long MAX_PIXELS_PER_BYTE = 1L << 14;

    private static BufferedImage decode(String file, ImageInputStream stream, long bytes) throws IOException {
        String notAnImage = file + ": expected a PNG or JPEG image but ImageIO cannot decode it";
        try (ImageInputStream in = stream) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) throw new IllegalArgumentException(notAnImage);
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w, h;
                try {
                    w = reader.getWidth(0);
                    h = reader.getHeight(0);
                } catch (IOException | RuntimeException e) {
                    throw new IllegalArgumentException(notAnImage + " (" + e.getMessage() + ")");
                }
                if (w < 1 || h < 1 || w * h > MAX_PIXELS) {
                    throw new IllegalArgumentException(file + ": expected an image of 1 to " + MAX_PIXELS + " pixels but its header says "
                            + w + "x" + h + " (damaged, or too large: scale it down first)");
                }
                if (w * h > MAX_PIXELS_PER_BYTE * bytes) {
                    throw new IllegalArgumentException(file + ": expected at most " + MAX_PIXELS_PER_BYTE * bytes + " pixels in a file of "
                            + bytes + " bytes (" + MAX_PIXELS_PER_BYTE + " per byte) but its header says " + w + "x" + h
                            + " (damaged or truncated; export the image again)");
                }
                try {
                    return reader.read(0);
                } catch (IOException | RuntimeException e) {
                    throw new IllegalArgumentException(file + ": the " + reader.getFormatName() + " image data is damaged (" + e.getMessage() + ")");
                }
            } finally {
                reader.dispose();
            }
        }
    }

    /** An IDX image (1, h, w) for the model: exact when the sizes match, else resized through an image. */
    static float[] fit(float[] gray, int c, int h, int w, RunInfo info) {
        if (h == info.height() && w == info.width() && info.inChannels() == 1) return gray;
        BufferedImage src = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = Math.round(gray[y * w + x] * 255);
                src.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        BufferedImage sized = new BufferedImage(info.width(), info.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, info.width(), info.height(), null);
        g.dispose();
        int plane = info.height() * info.width();
        float[] out = new float[info.inChannels() * plane];
        for (int y = 0; y < info.height(); y++) {
            for (int x = 0; x < info.width(); x++) {
                float v = (sized.getRGB(x, y) & 0xff) / 255f;
                for (int ch = 0; ch < info.inChannels(); ch++) out[ch * plane + y * info.width() + x] = v;
            }
        }
        return out;
    }
}
