package org.resnet4j.app.gradflow;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.CifarResNet;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

/**
 * Builds the networks the gradient-flow report compares. Any {@link ModelZoo} name works; on top of
 * the zoo, {@code resnetD} and {@code plainD} for every CIFAR depth D = 6n+2 (8, 14, 20, ...) give the
 * option-A ResNet and the plain net of that depth, so a quick run can use resnet8/plain8.
 */
final class Nets {
    private static final Pattern CIFAR = Pattern.compile("(resnet|plain)(\\d+)");

    private Nets() {}

    /** The model with fresh parameters drawn after {@code RandomState.manualSeed(seed)}. */
    static Module create(String name, long seed, int inChannels, int numClasses) {
        return create(name, seed, ModelOptions.defaults().inChannels(inChannels).numClasses(numClasses));
    }

    /** As above with every option given (the architecture options of the command line included). */
    static Module create(String name, long seed, ModelOptions o) {
        RandomState.manualSeed(seed);
        if (ModelZoo.names().contains(name)) return ModelZoo.create(name, o);
        Matcher m = CIFAR.matcher(name);
        if (m.matches()) {
            boolean[] d = o.replaceStrideWithDilation();
            if (o.groups() != null || o.widthPerGroup() != null || d[0] || d[1] || d[2]) {
                throw new IllegalArgumentException("model '" + name + "' (a CIFAR net) takes zero_init_residual, but not groups, "
                        + "width_per_group or replace_stride_with_dilation");
            }
            int depth = Integer.parseInt(m.group(2));
            if (depth >= 8 && (depth - 2) % 6 == 0) {
                return new CifarResNet(depth, m.group(1).equals("plain") ? CifarResNet.Shortcut.NONE : CifarResNet.Shortcut.A, o);
            }
        }
        throw new IllegalArgumentException("unknown model '" + name + "': expected a CIFAR depth 6n+2 such as resnet8, plain8, "
                + "resnet20, plain56, or one of: " + String.join(", ", ModelZoo.names()));
    }

    /** Checks every name before anything runs, so a typo in the last name does not waste a long run. */
    static void checkNames(Iterable<String> names) {
        for (String n : names) create(n, 0, 1, 10);
    }
}
