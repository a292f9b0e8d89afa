package org.resnet4j.bench.ab;

import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.SGD;

/**
 * One build's side of bench/two_builds.sh: compiled against that build's classes and run in a JVM of its own,
 * which TwoBuilds drives over stdin and stdout, one command a line: "setup CASE" answers "ok", "run REPS" the
 * milliseconds per step, "checksum" the raw bits of the last loss or logit; a failure answers "error MESSAGE".
 * Not part of the bench jar. A case is "MODEL,BATCH,SIDE,infer|train", e.g. "resnet50,8,224,infer".
 */
public final class ModelProbe {
    private static Module net;
    private static SGD sgd;
    private static Tensor x, labels;
    private static boolean train;
    private static final CrossEntropyLoss LOSS = new CrossEntropyLoss();
    private static double last;

    private ModelProbe() {}

    public static void main(String[] args) throws java.io.IOException {
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] cmd = line.trim().split(" ", 2);
            try {
                switch (cmd[0]) {
                    case "setup" -> {
                        setup(cmd[1]);
                        System.out.println("ok");
                    }
                    case "run" -> System.out.println(run(Integer.parseInt(cmd[1])));
                    case "checksum" -> System.out.println(Long.toHexString(Double.doubleToRawLongBits(checksum())));
                    case "quit" -> {
                        return;
                    }
                    default -> System.out.println("error unknown command '" + line + "'");
                }
            } catch (RuntimeException e) {
                System.out.println("error " + String.valueOf(e).replace('\n', ' '));
            }
            System.out.flush();
        }
    }

    public static void setup(String spec) {
        String[] p = spec.split(",");
        if (p.length != 4 || !(p[3].equals("infer") || p[3].equals("train"))) {
            throw new IllegalArgumentException("a case is MODEL,BATCH,SIDE,infer|train (e.g. resnet50,8,224,infer), got '" + spec + "'");
        }
        int batch = Integer.parseInt(p[1]), side = Integer.parseInt(p[2]);
        train = p[3].equals("train");
        CpuBackend cpu = CpuBackend.get();
        net = ModelZoo.create(p[0]);
        sgd = new SGD(net.namedParameters(), 0.01, 0.9, 0, 5e-4, false);
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        float[] xs = new float[batch * 3 * side * side];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) (r.nextDouble() - 0.5);
        x = cpu.fromFloats(xs, batch, 3, side, side);
        float[] y = new float[batch];
        for (int i = 0; i < batch; i++) y[i] = i % 10;
        labels = cpu.fromFloats(y, batch);
    }

    /**
     * The training loop's backward: Module.backwardParameters where the build has it (the model input's gradient
     * skipped), else Module.backward, so that each build's step is what its Trainer runs.
     */
    private static void backward(Tensor dy) {
        try {
            try {
                Module.class.getMethod("backwardParameters", Tensor.class).invoke(net, dy);
            } catch (NoSuchMethodException older) {
                net.backward(dy);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e.getCause() != null ? e.getCause() : e);
        }
    }

    /**
     * The inference loop's scope: InferenceMode where the build has it (convolutions fused with their batch norms),
     * else nothing, so that each build's inference is what its Classifier runs.
     */
    private static AutoCloseable inferenceMode() throws ReflectiveOperationException {
        try {
            return (AutoCloseable) Class.forName("org.resnet4j.ops.InferenceMode", true, ModelProbe.class.getClassLoader())
                    .getMethod("enter").invoke(null);
        } catch (ClassNotFoundException older) {
            return () -> { };
        }
    }

    /** Milliseconds per step, averaged over reps steps. */
    public static double run(int reps) {
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            if (train) {
                net.train();
                sgd.zeroGrad();
                last = LOSS.forward(net.forward(x), labels);
                backward(LOSS.backward());
                sgd.step();
            } else {
                net.eval();
                try (AutoCloseable mode = inferenceMode()) {
                    last = net.forward(x).toFloats()[0];
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return (System.nanoTime() - t0) / 1e6 / reps;
    }

    /** The last loss (training) or first logit (inference): equal when the two builds compute the same bits. */
    public static double checksum() {
        return last;
    }
}
