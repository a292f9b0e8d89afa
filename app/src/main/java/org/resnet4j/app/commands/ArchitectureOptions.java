package org.resnet4j.app.commands;

import java.util.Arrays;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * torchvision's ResNet keyword arguments on the command line, shared by every command that builds a
 * model ({@code @Mixin}). An option not given leaves the model's own value, or, where a command loads
 * a checkpoint, the value the checkpoint records. Combinations torchvision rejects are usage errors
 * with torchvision's reason (e.g. "BasicBlock only supports groups=1 and base_width=64").
 */
public final class ArchitectureOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--replace-stride-with-dilation", paramLabel = "L2,L3,L4",
            description = "three booleans: layer2, layer3, layer4 dilate instead of striding (Bottleneck models; e.g. false,true,true)")
    String dilation;

    @Option(names = "--groups", paramLabel = "N", description = "groups of the 3x3 convolutions of each block (ResNeXt: 32)")
    Integer groups;

    @Option(names = "--width-per-group", paramLabel = "N", description = "channels per group of a block's 3x3 convolution (default 64)")
    Integer widthPerGroup;

    @Option(names = "--zero-init-residual", description = "start the last BatchNorm of every block at zero (init only)")
    boolean zeroInitResidual;

    /** Whether any architecture option was given. */
    public boolean given() {
        return dilation != null || groups != null || widthPerGroup != null || zeroInitResidual;
    }

    /** {@code base} with the options given on the command line put over it; a malformed value is a usage error. */
    public ModelOptions over(ModelOptions base) {
        ModelOptions o = base;
        try {
            if (dilation != null) {
                boolean[] d = parseDilation(dilation);
                o = new ModelOptions(o.numClasses(), o.inChannels(), o.zeroInitResidual(), o.groups(), o.widthPerGroup(), d);
            }
            if (groups != null) o = o.groups(groups);
            if (widthPerGroup != null) o = o.widthPerGroup(widthPerGroup);
            if (zeroInitResidual) o = o.zeroInitResidual(true);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        return o;
    }

    /** Builds {@code model} with {@code options}; what the model rejects (torchvision's reasons) is a usage error. */
    public Module build(String model, ModelOptions options) {
        try {
            return ModelZoo.create(model, options);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private static boolean[] parseDilation(String s) {
        String[] p = s.split(",", -1);
        if (p.length != 3) {
            // torchvision: "replace_stride_with_dilation should be None or a 3-element tuple, got [...]"
            throw new IllegalArgumentException("--replace-stride-with-dilation: replace_stride_with_dilation should be None or a "
                    + "3-element tuple, got " + Arrays.toString(p));
        }
        boolean[] d = new boolean[3];
        for (int i = 0; i < 3; i++) {
            String v = p[i].trim().toLowerCase(java.util.Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                throw new IllegalArgumentException("--replace-stride-with-dilation: expected true or false for layer" + (i + 2)
                        + ", got '" + p[i] + "'");
            }
            d[i] = v.equals("true");
        }
        return d;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
