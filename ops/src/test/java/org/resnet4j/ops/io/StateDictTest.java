package org.resnet4j.ops.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

class StateDictTest {
    @TempDir
    Path dir;

    private static Module resnet20(long seed, int classes) {
        RandomState.manualSeed(seed);
        return ModelZoo.create("resnet20", ModelOptions.defaults().numClasses(classes));
    }

    private static Map<String, float[]> snapshot(Module m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.namedParameters().forEach((k, p) -> out.put(k, p.data().toFloats()));
        m.namedBuffers().forEach((k, b) -> out.put(k, b.data().toFloats()));
        return out;
    }

    private static void assertSameState(Module a, Module b) {
        Map<String, float[]> sa = snapshot(a), sb = snapshot(b);
        assertThat(sa.keySet()).containsExactlyElementsOf(sb.keySet());
        sa.forEach((k, v) -> assertThat(v).as(k).containsExactly(sb.get(k)));
        a.namedCounters().forEach((k, c) -> assertThat(c.get()).as(k).isEqualTo(b.namedCounters().get(k).get()));
    }

    @Test
    void savesInPyTorchOrderWithI64Counters() {
        Map<String, StoredTensor> sd = StateDict.of(resnet20(1, 10));
        assertThat(sd.keySet()).startsWith("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                "bn1.num_batches_tracked", "layer1.0.conv1.weight").endsWith("fc.weight", "fc.bias");
        assertThat(sd.get("bn1.num_batches_tracked").dtype()).isEqualTo(StoredDType.I64);
        assertThat(sd.get("bn1.num_batches_tracked").shape()).isEmpty();
        assertThat(sd.get("conv1.weight").dtype()).isEqualTo(StoredDType.F32);
        assertThat(sd.get("conv1.weight").shape()).containsExactly(16, 3, 3, 3);
    }

    @Test
    void roundTripsAModelExactly() throws IOException {
        Module a = resnet20(1, 10);
        a.namedCounters().values().forEach(c -> c.set(42));
        Path f = dir.resolve("a.safetensors");
        StateDict.save(a, f);
        Module b = resnet20(2, 10);
        StateDict.LoadReport r = StateDict.load(b, f);
        assertThat(r.isComplete()).isTrue();
        assertThat(r.loaded()).hasSize(StateDict.of(a).size());
        assertSameState(a, b);
        assertThat(SafeTensors.read(f).metadata()).containsEntry("format", "pt");
    }

    @Test
    void strictLoadListsEveryProblemAtOnceAndChangesNothing() throws IOException {
        Map<String, StoredTensor> sd = new LinkedHashMap<>(StateDict.of(resnet20(1, 5)));  // fc has 5 classes
        sd.remove("layer2.0.conv1.weight");
        sd.remove("bn1.running_var");
        sd.put("extra.weight", StoredTensor.ofFloats(new float[] {1}, 1));
        sd.put("layer1.0.bn1.num_batches_tracked", StoredTensor.ofFloats(new float[] {1}));
        Path f = dir.resolve("bad.safetensors");
        SafeTensors.write(f, sd);

        Module target = resnet20(3, 10);
        Map<String, float[]> before = snapshot(target);
        assertThatThrownBy(() -> StateDict.load(target, f))
                .isInstanceOf(StateDict.MismatchException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("missing keys (in the model, not in the file): bn1.running_var, layer2.0.conv1.weight")
                .hasMessageContaining("unexpected keys (in the file, not in the model): extra.weight")
                .hasMessageContaining("fc.weight: shape in file (5, 64) but the model has (10, 64)")
                .hasMessageContaining("fc.bias: shape in file (5,) but the model has (10,)")
                .hasMessageContaining("layer1.0.bn1.num_batches_tracked: expected a single integer (I64) but the file has F32")
                .hasMessageContaining("strict=false")
                .satisfies(e -> assertThat(((StateDict.MismatchException) e).report().mismatched()).hasSize(3));
        Map<String, float[]> after = snapshot(target);
        before.forEach((k, v) -> assertThat(after.get(k)).as(k + " unchanged").containsExactly(v));
    }

    @Test
    void dataParallelPrefixGetsAHint() throws IOException {
        Map<String, StoredTensor> sd = new LinkedHashMap<>();
        StateDict.of(resnet20(1, 10)).forEach((k, v) -> sd.put("module." + k, v));
        Path f = dir.resolve("ddp.safetensors");
        SafeTensors.write(f, sd);
        assertThatThrownBy(() -> StateDict.load(resnet20(2, 10), f)).hasMessageContaining("nn.DataParallel")
                .hasMessageContaining("missing keys (in the model, not in the file): conv1.weight");
    }

    @Test
    void lenientLoadLoadsWhatMatchesAndReportsTheRest() throws IOException {
        Module source = resnet20(1, 5);
        Map<String, StoredTensor> sd = new LinkedHashMap<>(StateDict.of(source));
        sd.remove("layer3.2.bn2.bias");
        sd.put("unused", StoredTensor.scalarLong(1));
        Path f = dir.resolve("partial.safetensors");
        SafeTensors.write(f, sd);

        Module target = resnet20(3, 10);
        float[] bn2BiasBefore = target.namedParameters().get("layer3.2.bn2.bias").data().toFloats();
        float[] fcBefore = target.namedParameters().get("fc.weight").data().toFloats();
        StateDict.LoadReport r = StateDict.load(target, f, false);
        assertThat(r.missing()).containsExactly("layer3.2.bn2.bias");
        assertThat(r.unexpected()).containsExactly("unused");
        assertThat(r.mismatched()).hasSize(2).allMatch(s -> s.startsWith("fc."));
        assertThat(r.isComplete()).isFalse();
        assertThat(r.loaded()).contains("conv1.weight").doesNotContain("fc.weight", "layer3.2.bn2.bias");
        assertThat(target.namedParameters().get("conv1.weight").data().toFloats())
                .containsExactly(source.namedParameters().get("conv1.weight").data().toFloats());
        assertThat(target.namedParameters().get("layer3.2.bn2.bias").data().toFloats()).containsExactly(bn2BiasBefore);
        assertThat(target.namedParameters().get("fc.weight").data().toFloats()).containsExactly(fcBefore);
        assertThat(r.toString()).contains("missing keys").contains("unused");
    }

    @Test
    void skipFcLoadsABackboneForADifferentNumberOfClasses() throws IOException {
        Module source = resnet20(1, 10);
        Path f = dir.resolve("backbone.safetensors");
        StateDict.save(source, f);
        Module target = resnet20(3, 4);
        float[] fcBefore = target.namedParameters().get("fc.weight").data().toFloats();
        StateDict.LoadReport r = StateDict.load(target, f, StateDict.LoadOptions.SKIP_FC);
        assertThat(r.isComplete()).isTrue();
        assertThat(r.skipped()).containsExactly("fc.weight", "fc.bias");
        assertThat(target.namedParameters().get("fc.weight").data().toFloats()).containsExactly(fcBefore);
        assertThat(target.namedParameters().get("layer3.2.conv2.weight").data().toFloats())
                .containsExactly(source.namedParameters().get("layer3.2.conv2.weight").data().toFloats());
    }

    @Test
    void convertsF64F16AndBf16Inputs() throws IOException {
        Module source = resnet20(1, 10);
        Map<String, StoredTensor> f64 = new LinkedHashMap<>(), f16 = new LinkedHashMap<>(), bf16 = new LinkedHashMap<>();
        for (var e : StateDict.of(source).entrySet()) {
            StoredTensor t = e.getValue();
            if (t.dtype() == StoredDType.I64) {
                f64.put(e.getKey(), t);
                f16.put(e.getKey(), t);
                bf16.put(e.getKey(), t);
                continue;
            }
            double[] d = t.toDoubles();
            for (int i = 0; i < d.length; i++) d[i] *= 1 + 1e-12; // float64 values that must round back to the floats
            f64.put(e.getKey(), StoredTensor.ofDoubles(d, t.shape()));
            f16.put(e.getKey(), StoredTensor.ofFloatsAsF16(t.toFloats(), t.shape()));
            bf16.put(e.getKey(), StoredTensor.ofFloatsAsBF16(t.toFloats(), t.shape()));
        }
        Module m = resnet20(5, 10);
        StateDict.load(m, f64, StateDict.LoadOptions.STRICT, "f64");
        assertSameState(source, m);

        StateDict.load(m, f16, StateDict.LoadOptions.STRICT, "f16");
        float[] w = source.namedParameters().get("conv1.weight").data().toFloats();
        float[] got = m.namedParameters().get("conv1.weight").data().toFloats();
        for (int i = 0; i < w.length; i++) assertThat(got[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(w[i])));

        StateDict.load(m, bf16, StateDict.LoadOptions.STRICT, "bf16");
        got = m.namedParameters().get("conv1.weight").data().toFloats();
        for (int i = 0; i < w.length; i++) {
            assertThat(Math.abs(got[i] - w[i])).isLessThanOrEqualTo(Math.abs(w[i]) / 256); // bf16 keeps 8 significant bits
            assertThat(Float.floatToRawIntBits(got[i]) & 0xFFFF).isZero();
        }
    }
}
