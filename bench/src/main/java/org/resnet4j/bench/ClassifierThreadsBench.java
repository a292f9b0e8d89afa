package org.resnet4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.resnet4j.ops.api.Classifier;
import org.resnet4j.ops.init.RandomState;

/**
 * One shared {@link Classifier} called by JMH's threads ({@code -t 1}, {@code -t 2}, {@code -t 4}): a service's
 * predictions per second on one loaded model. Each call is one image (3 x side x side, the float[] CHW call);
 * the score, summed over the threads, is predictions/s. ResNet-18 at 64x64 by default ({@code -p model=...},
 * {@code -p side=...}); the weights are seeded random draws, which cost what trained ones do.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class ClassifierThreadsBench {
    @Param({"resnet18"})
    public String model;

    @Param({"64"})
    public int side;

    private Classifier classifier;
    private float[] image;

    @Setup
    public void setUp() {
        RandomState.manualSeed(18);
        classifier = Classifier.create(model, 1000);
        image = GemmBench.random(7, 3 * side * side);
    }

    @Benchmark
    public float[] predict() {
        return classifier.predict(image, 3, side, side);
    }
}
