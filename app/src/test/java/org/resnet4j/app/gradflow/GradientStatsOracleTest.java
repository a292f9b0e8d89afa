package org.resnet4j.app.gradflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.ModuleHook;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.hooks.GradientStats;
import org.resnet4j.ops.hooks.TensorStats;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.CifarResNet;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.verify.ReferenceBackend;

/**
 * The numbers of the gradient-flow report against independent computations on the float64 oracle:
 * (1) what the hook records on the fast float32 CPU path equals the gradients the oracle computes
 * without any hook; (2) on the oracle, every norm recorded inside a residual block equals the
 * directional derivative of the loss measured by central finite differences, with the network run
 * piece by piece and the perturbation added only where that gradient lives (after the block, at the
 * sum, at the input of the residual branch only, of the shortcut only, or of both).
 */
class GradientStatsOracleTest {
    static final ReferenceBackend REF = ReferenceBackend.get();
    static final int N = 4, H = 8;
    static final float[] LABELS = {0, 1, 2, 1};

    static Module fast, oracle;
    static GradientStats fastStats, oracleStats;
    static final Map<String, Tensor[]> oracleSplits = new HashMap<>(); // path -> {dOut, dSum, dxMain, dxShortcut, dx}

    static Module tinyNet() {
        RandomState.manualSeed(11);
        return new CifarResNet(8, CifarResNet.Shortcut.A, ModelOptions.defaults().inChannels(1).numClasses(3));
    }

    static float[] input() {
        float[] x = new float[N * H * H];
        for (int i = 0; i < x.length; i++) x[i] = (float) (Math.sin(0.61 * i) + 0.3 * Math.cos(1.7 * i));
        return x;
    }

    static double lossOf(Tensor logits) {
        return new CrossEntropyLoss().forward(logits, logits.backend().fromFloats(LABELS, N));
    }

    static void step(Module net, Backend be) {
        Tensor logits = net.forward(be.fromFloats(input(), N, 1, H, H));
        CrossEntropyLoss loss = new CrossEntropyLoss();
        loss.forward(logits, be.fromFloats(LABELS, N));
        net.backward(loss.backward());
    }

    @BeforeAll
    static void run() {
        fast = tinyNet();
        fastStats = new GradientStats();
        fast.addHook(fastStats);
        step(fast, CpuBackend.get());

        oracle = tinyNet().to(REF);
        oracleStats = new GradientStats();
        oracle.addHook(oracleStats);
        oracle.addHook(new ModuleHook() {
            final Map<String, Tensor[]> pending = new HashMap<>();

            @Override
            public void afterResidualBackward(String path, Module block, Tensor dSum, Tensor dxMain, Tensor dxShortcut, Tensor dx) {
                pending.put(path, new Tensor[] {null, dSum, dxMain, dxShortcut, dx});
            }

            @Override
            public void afterBackward(String path, Module module, Tensor gradOutput, Tensor gradInput) {
                Tensor[] t = pending.remove(path);
                if (t != null) {
                    t[0] = gradOutput;
                    oracleSplits.put(path, t);
                }
            }
        });
        step(oracle, REF);
    }

    @Test
    void hookRecordsOnTheFastPathMatchTheOracleWithoutHooks() {
        Module plain = tinyNet().to(REF); // the same weights, no hook at all
        step(plain, REF);
        Map<String, Parameter> ref = plain.namedParameters();
        int checked = 0;
        for (GradientStats.ModuleStats m : fastStats.records(0)) {
            for (var e : m.parameterGrads().entrySet()) {
                String name = m.path().isEmpty() ? e.getKey() : m.path() + "." + e.getKey();
                double expected = Math.sqrt(sumSq(ref.get(name).grad()));
                // float32 forward and backward through 8 layers with batch norm over as few as 16 values:
                // measured agreement is at worst 5e-7 relative; 1e-5 allows another summation order or thread
                // split, while a gradient of a wrong layer or step differs by percents
                assertThat(e.getValue().l2Norm()).as(name).isCloseTo(expected, within(1e-5 * expected + 1e-12));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(ref.size());
        // and the block view: float32 recorded norms vs the float64 ones of the same tensors
        List<GradientStats.BlockStats> f = fastStats.blockRecords(0), o = oracleStats.blockRecords(0);
        assertThat(f).hasSize(3);
        for (int i = 0; i < f.size(); i++) {
            close(f.get(i).dSum(), o.get(i).dSum(), f.get(i).path());
            close(f.get(i).dxMain(), o.get(i).dxMain(), f.get(i).path());
            close(f.get(i).dxShortcut(), o.get(i).dxShortcut(), f.get(i).path());
            close(f.get(i).dx(), o.get(i).dx(), f.get(i).path());
        }
    }

    // float32 vs float64 of the same tensor: measured at worst 3e-7 relative; 1e-5 as above
    private static void close(TensorStats fast32, TensorStats ref64, String what) {
        assertThat(fast32.l2Norm()).as(what).isCloseTo(ref64.l2Norm(), within(1e-5 * ref64.l2Norm()));
        assertThat(fast32.maxAbs()).as(what).isCloseTo(ref64.maxAbs(), within(1e-5 * ref64.maxAbs()));
        assertThat(fast32.meanAbs()).as(what).isCloseTo(ref64.meanAbs(), within(1e-5 * ref64.meanAbs()));
    }

    @Test
    void blockNormsEqualFiniteDifferenceDirectionalDerivativesOnTheOracle() {
        for (String stage : List.of("layer1", "layer2", "layer3")) {
            String path = stage + ".0";
            GradientStats.BlockStats rec = oracleStats.blockRecords(0).stream().filter(b -> b.path().equals(path)).findFirst().orElseThrow();
            double dOutNorm = oracleStats.record(0, path).gradOutput().l2Norm();
            Tensor[] t = oracleSplits.get(path);
            // dL/dv along the unit vector of a gradient g is <g, g/||g||> = ||g||
            assertFd(stage, Where.OUT, t[0], dOutNorm, "dOut");
            assertFd(stage, Where.SUM, t[1], rec.dSum().l2Norm(), "dSum");
            assertFd(stage, Where.MAIN_INPUT, t[2], rec.dxMain().l2Norm(), "dxMain");
            assertFd(stage, Where.SHORTCUT_INPUT, t[3], rec.dxShortcut().l2Norm(), "dxShortcut");
            assertFd(stage, Where.BOTH_INPUTS, t[4], rec.dx().l2Norm(), "dx");
            // and a direction that is not the gradient itself: <dx, r>
            double[] r = new double[t[4].size()];
            for (int i = 0; i < r.length; i++) r[i] = Math.cos(2.3 * i + 0.5);
            double expected = dot(ReferenceBackend.data(t[4]), r) / Math.sqrt(dot(r, r));
            double fd = directional(stage, Where.BOTH_INPUTS, r);
            assertThat(fd).as(path + " <dx, r>").isCloseTo(expected, within(1e-6 * rec.dx().l2Norm())); // measured 1.4e-11
        }
    }

    enum Where { OUT, SUM, MAIN_INPUT, SHORTCUT_INPUT, BOTH_INPUTS }

    private void assertFd(String stage, Where where, Tensor g, double recordedNorm, String what) {
        double fd = directional(stage, where, ReferenceBackend.data(g));
        // float64 central differences with a unit direction and step 1e-4: measured at worst 6e-10
        // relative (truncation); a ReLU kink crossed by the step could add ~1e-6 at most here. A wrong
        // tensor (e.g. the other branch's part) is off by tens of percent.
        assertThat(recordedNorm).as(stage + " " + what).isCloseTo(fd, within(1e-6 * Math.abs(fd) + 1e-12));
    }

    /** Central difference of the loss along the unit vector of {@code dir}, added at {@code where} in {@code stage}'s block. */
    private static double directional(String stage, Where where, double[] dir) {
        double norm = Math.sqrt(dot(dir, dir)), h = 1e-4;
        return (lossPerturbed(stage, where, dir, h / norm) - lossPerturbed(stage, where, dir, -h / norm)) / (2 * h);
    }

    /** The oracle network run piece by piece, with {@code scale * dir} added at one place of one block. */
    private static double lossPerturbed(String stage, Where where, double[] dir, double scale) {
        Map<String, Module> top = oracle.children();
        List<String> order = new ArrayList<>(top.keySet());
        Tensor x = REF.fromFloats(input(), N, 1, H, H);
        int k = 0;
        for (; !order.get(k).equals(stage); k++) x = top.get(order.get(k)).forward(x);
        Map<String, Module> b = top.get(stage).children().get("0").children();
        Tensor xMain = where == Where.MAIN_INPUT || where == Where.BOTH_INPUTS ? plus(x, dir, scale) : x;
        Tensor xShort = where == Where.SHORTCUT_INPUT || where == Where.BOTH_INPUTS ? plus(x, dir, scale) : x;
        Tensor main = b.get("bn2").forward(b.get("conv2").forward(b.get("relu").forward(b.get("bn1").forward(b.get("conv1").forward(xMain)))));
        Tensor shortcut = b.containsKey("downsample") ? b.get("downsample").forward(xShort) : xShort;
        Tensor sum = REF.zeros(main.shape());
        REF.add(main, shortcut, sum);
        if (where == Where.SUM) sum = plus(sum, dir, scale);
        Tensor y = b.get("relu_out").forward(sum);
        if (where == Where.OUT) y = plus(y, dir, scale);
        for (k++; k < order.size(); k++) y = top.get(order.get(k)).forward(y);
        return lossOf(y);
    }

    private static Tensor plus(Tensor t, double[] dir, double scale) {
        double[] a = t.toDoubles();
        for (int i = 0; i < a.length; i++) a[i] += scale * dir[i];
        return REF.wrap(a, t.shape());
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double sumSq(Tensor t) {
        double[] a = t.toDoubles();
        return dot(a, a);
    }
}
