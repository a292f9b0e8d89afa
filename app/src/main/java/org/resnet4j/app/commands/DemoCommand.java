package org.resnet4j.app.commands;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.SGD;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The smallest end-to-end run: a CIFAR ResNet-20 learns to tell apart generated 8x8 images (each
 * class lights a different quadrant, under noise), a few SGD steps, printing the loss as it falls.
 * Needs no data set and no network; seeded, so every run prints the same numbers.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Builds a small ResNet (resnet20) and trains it 20 steps on generated 8x8 images, printing the loss falling. "
                + "Needs no data set; takes a few seconds.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--steps", paramLabel = "N", description = "training steps (default ${DEFAULT-VALUE})") int steps = 20;
    @Option(names = "--seed", paramLabel = "N", description = "seed (default ${DEFAULT-VALUE})") long seed = 0;
    @Option(names = "--device", paramLabel = "DEV", description = "cpu (default) or opencl[:N|:NAME]") String device = "cpu";

    static final int CLASSES = 4, SIZE = 8, BATCH = 32;

    @Override
    public Integer call() {
        if (steps < 1) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--steps must be >= 1, got " + steps);
        Backend be = Devices.select(device);
        RandomState.manualSeed(seed);
        Module net = Models.create("resnet20", 1, CLASSES).to(be);
        SGD opt = new SGD(net.namedParameters(), 0.05, 0.9, 0.0, 0.0, false);
        CrossEntropyLoss ce = new CrossEntropyLoss();
        Rng rng = new Rng(seed + 1);
        System.out.printf(Locale.ROOT, "demo: resnet20 (%,d parameters), %d classes of generated %dx%d images, batch %d, SGD lr 0.05 momentum 0.9, on %s%n",
                net.parameterCount(), CLASSES, SIZE, SIZE, BATCH, be.name());
        double first = 0, last = 0;
        long t0 = System.nanoTime();
        for (int s = 1; s <= steps; s++) {
            float[] x = new float[BATCH * SIZE * SIZE];
            float[] y = new float[BATCH];
            for (int i = 0; i < BATCH; i++) {
                int c = rng.nextInt(CLASSES);
                y[i] = c;
                fill(x, i, c, rng);
            }
            Tensor images = be.fromFloats(x, BATCH, 1, SIZE, SIZE);
            net.zeroGrad();
            double loss = ce.forward(net.forward(images), be.fromFloats(y, BATCH));
            net.backwardParameters(ce.backward());
            opt.step();
            if (s == 1) first = loss;
            last = loss;
            System.out.printf(Locale.ROOT, "step %2d  loss %.4f  %s%n", s, loss, bar(loss));
        }
        System.out.printf(Locale.ROOT, "loss %.4f -> %.4f in %d steps (%.1f s)%n", first, last, steps, (System.nanoTime() - t0) * 1e-9);
        return 0;
    }

    /** Class c brightens quadrant c of image i; every pixel gets Gaussian noise. */
    static void fill(float[] x, int i, int c, Rng rng) {
        int h = SIZE / 2;
        for (int r = 0; r < SIZE; r++) {
            for (int col = 0; col < SIZE; col++) {
                int q = (r < h ? 0 : 2) + (col < h ? 0 : 1);
                x[i * SIZE * SIZE + r * SIZE + col] = (float) ((q == c ? 1.0 : 0.0) + 0.5 * rng.nextGaussian());
            }
        }
    }

    private static String bar(double loss) {
        return "#".repeat((int) Math.max(0, Math.min(60, Math.round(loss * 30))));
    }
}
