package org.resnet4j.app.commands;

/**
 * Training settings that replay a seed article's script (../shared/seeds/) or make the default run.
 * A null field keeps the command's default. Explicit command-line options override every value here.
 *
 * @param mean  fixed normalization mean per channel (null: compute it from the training set)
 * @param std   fixed normalization std per channel (null: compute it from the training set)
 * @param evalFlip evaluate with each test image's logits averaged with its mirror image's
 */
public record Recipe(String name, String reproduces, String model, int epochs, int batchSize, String optimizer, double lr,
                     double momentum, boolean nesterov, double weightDecay, String schedule, double warmupEpochs,
                     double labelSmoothing, boolean augment, float[] mean, float[] std, boolean evalFlip) {

    /**
     * The default run: CIFAR ResNet-20 (option A) on Fashion-MNIST. The epoch count is set by time and
     * accuracy: a training step costs ~185 MFLOP per 28x28 image (3x the forward's 61.6 MFLOP); on 2 cores
     * of an AMD EPYC Zen 5 an epoch with its evaluation takes 68-86 s. Over 9 epochs this recipe ended at 92.99%
     * (PyTorch's replay, bench/time_to_accuracy.sh, at 93.3% after 9 of 10); 10 epochs take about 12.5 minutes.
     * The test-time flip (each test image's logits averaged with its mirror image's) adds about 0.3 points for
     * one more forward pass over the 10,000 test images an epoch.
     */
    public static final Recipe DEFAULT = new Recipe("default",
            "CIFAR ResNet-20 (He et al. 2016, option A) on Fashion-MNIST, 10 epochs: SGD momentum 0.9, weight decay 5e-4, lr 0.1, "
                    + "linear warm-up over 1/4 epoch then cosine to 0, batch 128, random crop (padding 4) + horizontal flip, "
                    + "per-channel normalization from the training set, test-time flip",
            "resnet20", 10, 128, "sgd", 0.1, 0.9, false, 5e-4, "cosine", 0.25, 0.0, true, null, null, true);

    /**
     * Seed 000's PyTorch CIFAR-10 script: the Layers [3,4] bottleneck net (7x7 stem with bias, 1x1 biased
     * projection shortcuts), plain SGD lr 0.01 (no momentum, no weight decay), batch 32, 2 epochs,
     * no augmentation and no normalization (only ToTensor's /255), constant lr.
     */
    public static final Recipe SEED_CIFAR_SGD = new Recipe("seed-cifar-sgd",
            "seed 000's PyTorch CIFAR-10 script: Layers [3,4] bottleneck ResNet, SGD lr 0.01 (no momentum or weight decay), "
                    + "batch 32, 2 epochs, constant lr, no augmentation, pixels /255 without normalization",
            "seed-cifar-resnet", 2, 32, "sgd", 0.01, 0.0, false, 0.0, "none", 0.0, 0.0, false, new float[] {0f}, new float[] {1f}, false);

    /**
     * Seed 000's TensorFlow CIFAR-10 script: the BN-free residual net [2,3,2] x 32 filters with avg-pool +
     * channel-pad shortcuts, Adam 1e-3, batch 20, 10000 steps (= 4 epochs of 50000 images), pixels
     * scaled to [-1, 1] (x / 127.5 - 1, i.e. mean 0.5 std 0.5), no augmentation.
     */
    public static final Recipe SEED_TF_ADAM = new Recipe("seed-tf-adam",
            "seed 000's TensorFlow CIFAR-10 script: residual net [2,3,2] x 32 without batch norm, Adam lr 1e-3, batch 20, "
                    + "10000 steps of 20 (4 epochs of CIFAR-10), pixels scaled to [-1, 1], no augmentation",
            "seed-tf-cifar", 4, 20, "adam", 1e-3, 0.9, false, 0.0, "none", 0.0, 0.0, false, new float[] {0.5f}, new float[] {0.5f}, false);

    /**
     * Seed 002's MNIST script: the ResBlock model (3x3 + 5x5 convs), SGD lr 0.005 momentum 0.5, batch 30,
     * Normalize((0.1307,), (0.3081,)), 49 epochs (range(1, 50)), saving the best model by test accuracy.
     */
    public static final Recipe SEED_MNIST = new Recipe("seed-mnist",
            "seed 002's MNIST script: ResBlock model (3x3 + 5x5 convs), SGD lr 0.005 momentum 0.5, batch 30, "
                    + "Normalize(0.1307, 0.3081), 49 epochs, best-model saving (best.safetensors)",
            "seed-mnist", 49, 30, "sgd", 0.005, 0.5, false, 0.0, "none", 0.0, 0.0, false, new float[] {0.1307f}, new float[] {0.3081f}, false);

    public static Recipe named(String name) {
        return switch (name) {
            case "default" -> DEFAULT;
            case "seed-cifar-sgd" -> SEED_CIFAR_SGD;
            case "seed-tf-adam" -> SEED_TF_ADAM;
            case "seed-mnist" -> SEED_MNIST;
            default -> throw new IllegalArgumentException("unknown recipe '" + name
                    + "': expected default, seed-cifar-sgd, seed-tf-adam or seed-mnist");
        };
    }
}
