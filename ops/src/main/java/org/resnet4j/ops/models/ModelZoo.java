package org.resnet4j.ops.models;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.resnet4j.ops.Module;

/**
 * Every model resnet4j can build, by name: torchvision's ResNets, the CIFAR ResNets of He et al. 2015
 * (option A, option B and plain), the pre-activation ResNets of He et al. 2016 and the networks of the
 * seed articles. {@link #create} builds one with fresh parameters drawn from
 * {@link org.resnet4j.ops.init.RandomState}; load weights with {@link org.resnet4j.ops.io.StateDict}.
 */
public final class ModelZoo {
    private ModelZoo() {}

    /** The options a model family understands; any other option set is an error, not silently ignored. */
    private enum Opt { NUM_CLASSES, IN_CHANNELS, ZERO_INIT_RESIDUAL, GROUPS, WIDTH_PER_GROUP, DILATION }

    /** input: the (C, H, W) the model was designed for (C is replaced by ModelOptions.inChannels when given). */
    private record Entry(String description, Set<Opt> options, Function<ModelOptions, Module> factory, int[] input) {}

    private static final Map<String, Entry> MODELS = new LinkedHashMap<>();

    /** The block and the groups/width_per_group a torchvision builder fixes (resnext, wide_resnet) or defaults to. */
    private record Torchvision(ResNet.Block block, int groups, int width, boolean fixed) {}

    private static final Map<String, Torchvision> TV = new LinkedHashMap<>();

    private static final Set<Opt> TORCHVISION = EnumSet.allOf(Opt.class);
    private static final Set<Opt> CIFAR = EnumSet.of(Opt.NUM_CLASSES, Opt.IN_CHANNELS, Opt.ZERO_INIT_RESIDUAL);
    private static final Set<Opt> CLASSES_AND_INPUT = EnumSet.of(Opt.NUM_CLASSES, Opt.IN_CHANNELS);
    private static final int[] CIFAR_DEPTHS = {20, 32, 44, 56, 110, 1202};
    private static final int[] IMAGENET = {3, 224, 224}, CIFAR_INPUT = {3, 32, 32};

    static {
        tv("resnet18", "ResNet-18 (torchvision): BasicBlocks [2, 2, 2, 2], 11.7M params", ResNet.Block.BASIC, new int[] {2, 2, 2, 2}, 1, 64);
        tv("resnet34", "ResNet-34 (torchvision): BasicBlocks [3, 4, 6, 3], 21.8M params", ResNet.Block.BASIC, new int[] {3, 4, 6, 3}, 1, 64);
        tv("resnet50", "ResNet-50 v1.5 (torchvision): Bottlenecks [3, 4, 6, 3], 25.6M params", ResNet.Block.BOTTLENECK, new int[] {3, 4, 6, 3}, 1, 64);
        tv("resnet101", "ResNet-101 v1.5 (torchvision): Bottlenecks [3, 4, 23, 3], 44.5M params", ResNet.Block.BOTTLENECK, new int[] {3, 4, 23, 3}, 1, 64);
        tv("resnet152", "ResNet-152 v1.5 (torchvision): Bottlenecks [3, 8, 36, 3], 60.2M params", ResNet.Block.BOTTLENECK, new int[] {3, 8, 36, 3}, 1, 64);
        tv("resnext50_32x4d", "ResNeXt-50 32x4d (torchvision): 32 groups of width 4, 25.0M params", ResNet.Block.BOTTLENECK, new int[] {3, 4, 6, 3}, 32, 4);
        tv("resnext101_32x8d", "ResNeXt-101 32x8d (torchvision): 32 groups of width 8, 88.8M params", ResNet.Block.BOTTLENECK, new int[] {3, 4, 23, 3}, 32, 8);
        tv("wide_resnet50_2", "Wide ResNet-50-2 (torchvision): bottleneck width x2, 68.9M params", ResNet.Block.BOTTLENECK, new int[] {3, 4, 6, 3}, 1, 128);
        tv("wide_resnet101_2", "Wide ResNet-101-2 (torchvision): bottleneck width x2, 126.9M params", ResNet.Block.BOTTLENECK, new int[] {3, 4, 23, 3}, 1, 128);
        for (int d : CIFAR_DEPTHS) {
            int n = (d - 2) / 6;
            put("resnet" + d, "CIFAR ResNet-" + d + " (He 2015, 4.2): 3x" + n + " BasicBlocks at 16/32/64 channels, option A shortcuts",
                    CIFAR, o -> new CifarResNet(d, CifarResNet.Shortcut.A, o), CIFAR_INPUT);
        }
        for (int d : CIFAR_DEPTHS) {
            put("resnet" + d + "-b", "CIFAR ResNet-" + d + " with option B shortcuts (1x1 conv + BN where the shape changes)",
                    CIFAR, o -> new CifarResNet(d, CifarResNet.Shortcut.B, o), CIFAR_INPUT);
        }
        for (int d : CIFAR_DEPTHS) {
            put("plain" + d, "plain CIFAR net of " + d + " layers: the layers of resnet" + d + " without any shortcut",
                    CIFAR, o -> new CifarResNet(d, CifarResNet.Shortcut.NONE, o), CIFAR_INPUT);
        }
        for (int d : new int[] {20, 32, 44, 56, 110}) {
            int n = (d - 2) / 6;
            put("preact-resnet" + d, "pre-activation CIFAR ResNet-" + d + " (He 2016): 3x" + n + " pre-act basic units",
                    CLASSES_AND_INPUT, o -> new PreActResNet(false, new int[] {n, n, n}, true, o), CIFAR_INPUT);
        }
        put("preact-resnet164", "pre-activation CIFAR ResNet-164 (He 2016): 3x18 pre-act bottleneck units",
                CLASSES_AND_INPUT, o -> new PreActResNet(true, new int[] {18, 18, 18}, true, o), CIFAR_INPUT);
        put("preact-resnet1001", "pre-activation CIFAR ResNet-1001 (He 2016): 3x111 pre-act bottleneck units",
                CLASSES_AND_INPUT, o -> new PreActResNet(true, new int[] {111, 111, 111}, true, o), CIFAR_INPUT);
        preactImageNet("preact-resnet18", false, new int[] {2, 2, 2, 2});
        preactImageNet("preact-resnet34", false, new int[] {3, 4, 6, 3});
        preactImageNet("preact-resnet50", true, new int[] {3, 4, 6, 3});
        preactImageNet("preact-resnet101", true, new int[] {3, 4, 23, 3});
        preactImageNet("preact-resnet152", true, new int[] {3, 8, 36, 3});
        put("seed-bottleneck", "seed 000's Bottleneck(64, 256): 1x1/3x3/1x1 branch, shortcut always a biased 1x1 conv + BN; input (N, 64, H, W)",
                EnumSet.of(Opt.IN_CHANNELS), o -> new SeedBottleneck(o.inChannelsOr(64), 256, 1), new int[] {64, 56, 56});
        put("seed-resnet50-v1", "seed 000's ResNet-50 v1: stride on the first 1x1, 7x7 stem conv with bias, 25.6M params",
                CLASSES_AND_INPUT, o -> new SeedResNetV1(new int[] {3, 4, 6, 3}, o.numClassesOr(1000), o.inChannelsOr(3)), IMAGENET);
        put("seed-cifar-resnet", "seed 000's CIFAR-10 network: v1 Blocks, Layers [3, 4], fc 512 -> 10",
                CLASSES_AND_INPUT, o -> new SeedResNetV1(new int[] {3, 4}, o.numClassesOr(10), o.inChannelsOr(3)), CIFAR_INPUT);
        put("seed-tf-cifar", "seed 000's TensorFlow CIFAR-10 net: no BN, 3x3 stem of 32, stages [2, 3, 2], avg-pool + zero-pad shortcuts",
                CLASSES_AND_INPUT, o -> new TfCifarNet(new int[] {2, 3, 2}, 32, o.numClassesOr(10), o.inChannelsOr(3)), CIFAR_INPUT);
        put("seed-simple-resnet", "seed 000's simple ResNet as written: 5x5/2 stem, BasicBlocks, Bottlenecks 64->4096, 4x4 head, Dropout, final ReLU; 32x32 input",
                CLASSES_AND_INPUT, o -> new SimpleResNet(o.inChannelsOr(3), o.numClassesOr(10)), CIFAR_INPUT);
        put("seed-d2l-resnet18", "seed 001's d2l ResNet-18: Residual units (biased 3x3 convs + BN, optional 1x1 conv) by resnet_block; 1 input channel",
                CLASSES_AND_INPUT, o -> new D2lResNet18(o.inChannelsOr(1), o.numClassesOr(10)), new int[] {1, 96, 96});
        put("seed-mnist", "seed 002's MNIST model: conv5x5, maxpool, ResBlock(16), conv3x3, maxpool, ResBlock(32), 800->200->10; 1x28x28 input",
                CLASSES_AND_INPUT, o -> new MnistResNet(o.inChannelsOr(1), o.numClassesOr(10)), new int[] {1, 28, 28});
    }

    private static void put(String name, String description, Set<Opt> options, Function<ModelOptions, Module> factory, int[] input) {
        MODELS.put(name, new Entry(description, options, factory, input));
    }

    /** torchvision's builders; like its _ovewrite_named_param, a conflicting groups/width_per_group is an error. */
    private static void tv(String name, String description, ResNet.Block block, int[] layers, int groups, int width) {
        TV.put(name, new Torchvision(block, groups, width, !name.startsWith("resnet")));
        put(name, description, TORCHVISION, o -> {
            if (!name.startsWith("resnet")) {
                if (o.groups() != null && o.groups() != groups) {
                    throw new IllegalArgumentException("The parameter 'groups' expected value " + groups + " but got " + o.groups() + " instead (" + name + ")");
                }
                if (o.widthPerGroup() != null && o.widthPerGroup() != width) {
                    throw new IllegalArgumentException("The parameter 'width_per_group' expected value " + width + " but got "
                            + o.widthPerGroup() + " instead (" + name + ")");
                }
                o = o.groups(groups).widthPerGroup(width);
            }
            return new ResNet(block, layers, o);
        }, IMAGENET);
    }

    private static void preactImageNet(String name, boolean bottleneck, int[] layers) {
        put(name, "pre-activation ResNet (He 2016), ImageNet layout, " + (bottleneck ? "bottleneck" : "basic") + " units "
                        + java.util.Arrays.toString(layers),
                CLASSES_AND_INPUT, o -> new PreActResNet(bottleneck, layers, false, o), IMAGENET);
    }

    /** Every model name, in a stable order. */
    public static List<String> names() {
        return List.copyOf(MODELS.keySet());
    }

    /** name -> one-line description. */
    public static Map<String, String> descriptions() {
        Map<String, String> out = new LinkedHashMap<>();
        MODELS.forEach((k, v) -> out.put(k, v.description()));
        return Collections.unmodifiableMap(out);
    }

    public static String describe(String name) {
        return entry(name).description();
    }

    /**
     * The input (C, H, W) the named model was designed for: 3x224x224 for ImageNet layouts, 3x32x32
     * for CIFAR layouts and the CIFAR seeds (seed-simple-resnet needs exactly 32x32), 1x28x28 for
     * seed-mnist, 1x96x96 for d2l's ResNet-18, 64x56x56 for the seed Bottleneck demo; C follows
     * {@code options.inChannels()} when set.
     */
    public static int[] inputShape(String name, ModelOptions options) {
        int[] s = entry(name).input().clone();
        if (options != null && options.inChannels() != null) s[0] = options.inChannels();
        return s;
    }

    /**
     * The options as the named model applies them: groups and width_per_group resolved to the builder's
     * values (32 and 4 for resnext50_32x4d, 1 and 64 for resnet50), the input channels to the model's own
     * when not given; options the model does not take stay unset. The number of classes stays as given
     * (null: the model's own). Unknown names and unsupported options are errors, as in {@link #create}.
     */
    public static ModelOptions effectiveOptions(String name, ModelOptions options) {
        Entry e = entry(name);
        ModelOptions o = options == null ? ModelOptions.defaults() : options;
        checkOptions(name, e.options(), o);
        if (o.inChannels() == null && e.options().contains(Opt.IN_CHANNELS)) o = o.inChannels(e.input()[0]);
        Torchvision tv = TV.get(canonicalName(name));
        if (tv != null) {
            o = o.groups(tv.fixed() || o.groups() == null ? tv.groups() : o.groups())
                    .widthPerGroup(tv.fixed() || o.widthPerGroup() == null ? tv.width() : o.widthPerGroup());
        }
        return o;
    }

    /**
     * Whether the named model can be built with replace_stride_with_dilation: torchvision's Bottleneck
     * ResNets. Dilation changes no parameter shape, so weights alone cannot tell which setting they belong to.
     */
    public static boolean takesDilation(String name) {
        Torchvision tv = TV.get(canonicalName(name));
        return tv != null && tv.block() == ResNet.Block.BOTTLENECK;
    }

    /** Whether the named model takes zero_init_residual (torchvision's and the CIFAR ResNets). */
    public static boolean takesZeroInitResidual(String name) {
        return entry(name).options().contains(Opt.ZERO_INIT_RESIDUAL);
    }

    /** The zoo's own spelling of a name ({@code resnet20b} is {@code resnet20-b}). */
    public static String canonicalName(String name) {
        entry(name);
        return MODELS.containsKey(name) ? name : name.substring(0, name.length() - 1) + "-b";
    }

    public static Module create(String name) {
        return create(name, ModelOptions.defaults());
    }

    /** Builds the named model with fresh parameters; unknown names and unsupported options are errors. */
    public static Module create(String name, ModelOptions options) {
        Entry e = entry(name);
        checkOptions(name, e.options(), options == null ? ModelOptions.defaults() : options);
        return e.factory().apply(options == null ? ModelOptions.defaults() : options);
    }

    private static Entry entry(String name) {
        Entry e = name == null ? null : MODELS.get(name);
        if (e == null && name != null && name.matches("resnet\\d+b")) e = MODELS.get(name.substring(0, name.length() - 1) + "-b");
        if (e == null) {
            throw new IllegalArgumentException("unknown model '" + name + "'. Valid names: " + String.join(", ", MODELS.keySet()));
        }
        return e;
    }

    private static void checkOptions(String name, Set<Opt> allowed, ModelOptions o) {
        StringBuilder bad = new StringBuilder();
        if (o.numClasses() != null && !allowed.contains(Opt.NUM_CLASSES)) bad.append(" numClasses");
        if (o.inChannels() != null && !allowed.contains(Opt.IN_CHANNELS)) bad.append(" inChannels");
        if (o.zeroInitResidual() && !allowed.contains(Opt.ZERO_INIT_RESIDUAL)) bad.append(" zeroInitResidual");
        if (o.groups() != null && !allowed.contains(Opt.GROUPS)) bad.append(" groups");
        if (o.widthPerGroup() != null && !allowed.contains(Opt.WIDTH_PER_GROUP)) bad.append(" widthPerGroup");
        boolean[] d = o.replaceStrideWithDilation();
        if ((d[0] || d[1] || d[2]) && !allowed.contains(Opt.DILATION)) bad.append(" replaceStrideWithDilation");
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("model '" + name + "' does not support the option(s)" + bad
                    + "; it supports: " + allowed.stream().map(x -> x.name().toLowerCase()).toList());
        }
    }
}
