package org.resnet4j.app.commands;

import java.util.Map;
import java.util.concurrent.Callable;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.models.ModelSummary;
import org.resnet4j.ops.models.ModelZoo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "summary", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prints a model's layers with output shapes, parameter counts and mult-adds (torchinfo's table), "
                + "from one forward pass on zeros of --input-shape.",
                "Example: resnet4j summary --model resnet20 --input-shape 1,1,28,28"})
public final class SummaryCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME", description = "a model of the zoo (default ${DEFAULT-VALUE})") String model = "resnet20";
    @Option(names = "--input-shape", paramLabel = "N,C,H,W", split = ",",
            description = "input shape (default: 1,3,224,224 for ImageNet layouts, 1,3,32,32 otherwise); C sets the model's input channels")
    int[] inputShape;
    @Option(names = "--num-classes", paramLabel = "K", description = "classifier outputs (default: the model's own)") Integer numClasses;
    @Option(names = "--depth", paramLabel = "D", description = "rows down to this nesting depth (default ${DEFAULT-VALUE})") int depth = 3;
    @CommandLine.Mixin ArchitectureOptions arch;
    @Option(names = "--list", description = "list the model names with a description, and exit") boolean list;

    @Override
    public Integer call() {
        if (list) {
            for (Map.Entry<String, String> e : ModelZoo.descriptions().entrySet()) {
                System.out.printf("%-20s %s%n", e.getKey(), e.getValue());
            }
            return 0;
        }
        int[] shape = Models.checkedInputShape(spec, model, inputShape, defaultShape(model));
        org.resnet4j.ops.models.ModelOptions o = org.resnet4j.ops.models.ModelOptions.defaults().inChannels(shape[1]);
        if (numClasses != null) o = o.numClasses(numClasses);
        Module m = arch.build(model, arch.over(o));
        System.out.println(model + ": " + ModelZoo.describe(model));
        System.out.print(ModelSummary.of(m, shape).table(depth));
        return 0;
    }

    static int[] defaultShape(String model) {
        boolean imagenet = model.matches("resnet(18|34|50|101|152)") || model.startsWith("resnext") || model.startsWith("wide_") || model.equals("seed-resnet50-v1");
        return imagenet ? new int[] {1, 3, 224, 224} : new int[] {1, 3, 32, 32};
    }
}
