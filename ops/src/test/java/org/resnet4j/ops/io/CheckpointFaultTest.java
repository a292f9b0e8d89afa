package org.resnet4j.ops.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Flatten;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.optim.LrScheduler;
import org.resnet4j.ops.optim.SGD;
import org.resnet4j.ops.optim.StepLR;

/**
 * Faults in files that are valid safetensors but wrong as a state dict or a training checkpoint: each
 * is refused with an exception naming the file or the tensor, the expected and the actual; and
 * seeded byte mutations of a real checkpoint never escape as anything but those exceptions.
 */
class CheckpointFaultTest {
    @TempDir
    Path dir;
    Path file;

    static Module model() {
        // (N, 2, 1, 1) -> BatchNorm2d(2) -> Flatten -> Linear(2, 3): a parameter, a buffer and a counter of every kind
        return new Sequential(new BatchNorm2d(2), new Flatten(), new Linear(2, 3, true));
    }

    static SGD sgd(Module m) {
        return new SGD(m.namedParameters(), 0.1, 0.9, 0.0, 5e-4, false);
    }

    @BeforeEach
    void saveACheckpoint() throws IOException {
        RandomState.manualSeed(3);
        Module m = model();
        SGD opt = sgd(m);
        for (var p : m.namedParameters().values()) p.grad(); // momentum slots appear after a step
        opt.step();
        file = dir.resolve("checkpoint.safetensors");
        TrainingCheckpoint.save(file, m, opt, new StepLR(opt, 2, 0.5), 3, 30, Map.of("data", 42L));
    }

    /** Rewrites the checkpoint with its metadata and tensors changed by {@code edit}. */
    Path edited(Consumer<Map<String, String>> metaEdit, Consumer<Map<String, StoredTensor>> tensorEdit) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        Map<String, StoredTensor> t = new LinkedHashMap<>(c.tensors());
        metaEdit.accept(meta);
        tensorEdit.accept(t);
        Path out = dir.resolve("edited.safetensors");
        SafeTensors.write(out, t, meta);
        return out;
    }

    Path meta(String key, String value) throws IOException {
        return edited(m -> {
            if (value == null) m.remove(key);
            else m.put(key, value);
        }, t -> {});
    }

    static TrainingCheckpoint.Progress load(Path f) throws IOException {
        Module m = model();
        SGD opt = sgd(m);
        LrScheduler s = new StepLR(opt, 2, 0.5);
        return TrainingCheckpoint.load(f, m, opt, s);
    }

    @Test
    void theUneditedCheckpointLoads() throws IOException {
        TrainingCheckpoint.Progress p = load(edited(m -> {}, t -> {}));
        assertThat(p.epoch()).isEqualTo(3);
        assertThat(p.rngState("data")).isEqualTo(42L);
    }

    @Test
    void badMetadataNamesTheKeyAndValue() throws IOException {
        assertThatThrownBy(() -> load(meta("epoch", "three"))).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("edited.safetensors").hasMessageContaining("epoch = 'three' is not an integer");
        assertThatThrownBy(() -> load(meta("step", "99999999999999999999"))).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("step = '99999999999999999999' is not an integer");
        assertThatThrownBy(() -> load(meta("epoch", null))).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("missing metadata epoch");
        assertThatThrownBy(() -> load(meta("rng.global", null))).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("missing metadata rng.global");
        assertThatThrownBy(() -> load(meta("rng.data", "0x2a"))).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("rng.data = '0x2a' is not an integer");
        assertThatThrownBy(() -> load(meta("optimizer.hyper.momentum", "fast"))).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("optimizer.hyper.momentum = 'fast' is not a number");
        assertThatThrownBy(() -> load(meta("format", "pt"))).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("not a resnet4j training checkpoint").hasMessageContaining("format is pt");
        assertThatThrownBy(() -> load(meta("optimizer.type", null))).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("missing metadata optimizer.type");
        assertThatThrownBy(() -> load(meta("optimizer.type", "Adam"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Adam").hasMessageContaining("SGD");
        assertThatThrownBy(() -> load(meta("optimizer.hyper.momentum", "0.5"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("momentum=0.5").hasMessageContaining("momentum=0.9");
        assertThatThrownBy(() -> load(meta("scheduler.type", "CosineAnnealingLR"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CosineAnnealingLR");
        assertThatThrownBy(() -> load(meta("scheduler.last_epoch", "-1"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative epoch -1");
    }

    @Test
    void aSchedulerEpochBeyondIntIsRefusedNotWrapped() throws IOException {
        // 2^32 + 1 used to be cast to int and restored as epoch 1 without a word
        assertThatThrownBy(() -> load(meta("scheduler.last_epoch", "4294967297"))).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("edited.safetensors").hasMessageContaining("scheduler.last_epoch = '4294967297'");
    }

    @Test
    void badTensorsNameTheTensor() throws IOException {
        assertThatThrownBy(() -> load(edited(m -> {}, t -> t.put("stray", StoredTensor.ofFloats(new float[] {1}, 1)))))
                .isInstanceOf(SafeTensorsException.class).hasMessageContaining("tensor 'stray'")
                .hasMessageContaining("unexpected tensor");
        assertThatThrownBy(() -> load(edited(m -> {}, t -> t.put("optimizer.nope.momentum_buffer", StoredTensor.ofFloats(new float[] {1}, 1)))))
                .isInstanceOf(SafeTensorsException.class).hasMessageContaining("optimizer.nope.momentum_buffer")
                .hasMessageContaining("does not have");
        assertThatThrownBy(() -> load(edited(m -> {}, t -> t.put("optimizer.x", StoredTensor.ofFloats(new float[] {1}, 1)))))
                .isInstanceOf(SafeTensorsException.class).hasMessageContaining("optimizer.x");
        assertThatThrownBy(() -> load(edited(m -> {}, t -> t.put("optimizer.2.weight.momentum_buffer", StoredTensor.ofFloats(new float[] {1, 2}, 2)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2.weight.momentum_buffer")
                .hasMessageContaining("(2,)").hasMessageContaining("(3, 2)");
        assertThatThrownBy(() -> load(edited(m -> {}, t -> t.put("model.2.weight", StoredTensor.ofFloats(new float[6], 2, 3)))))
                .isInstanceOf(StateDict.MismatchException.class).hasMessageContaining("edited.safetensors")
                .hasMessageContaining("2.weight").hasMessageContaining("(2, 3)").hasMessageContaining("(3, 2)");
        assertThatThrownBy(() -> load(edited(m -> {}, t -> t.put("model.0.running_mean", StoredTensor.ofLongs(new long[] {1, 2}, 2)))))
                .isInstanceOf(StateDict.MismatchException.class).hasMessageContaining("0.running_mean")
                .hasMessageContaining("floating-point").hasMessageContaining("I64");
        assertThatThrownBy(() -> load(edited(m -> {}, t -> t.put("model.0.num_batches_tracked", StoredTensor.ofFloats(new float[] {1}, 1)))))
                .isInstanceOf(StateDict.MismatchException.class).hasMessageContaining("num_batches_tracked")
                .hasMessageContaining("single integer");
        assertThatThrownBy(() -> load(edited(m -> {}, t -> t.remove("model.2.bias"))))
                .isInstanceOf(StateDict.MismatchException.class).hasMessageContaining("missing keys").hasMessageContaining("2.bias");
    }

    @Test
    void stateDictLoadOfACheckpointOrOfGarbageIsClear() throws IOException {
        assertThatThrownBy(() -> StateDict.load(model(), file)).isInstanceOf(StateDict.MismatchException.class)
                .hasMessageContaining("checkpoint.safetensors").hasMessageContaining("unexpected keys");
        Path junk = dir.resolve("junk.safetensors");
        Files.write(junk, "PK\u0003\u0004 this is a zip file, not safetensors".getBytes());
        assertThatThrownBy(() -> StateDict.load(model(), junk)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("junk.safetensors").hasMessageContaining("header length");
        assertThatThrownBy(() -> TrainingCheckpoint.load(junk, model(), sgd(model()), null)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("junk.safetensors");
    }

    /** Byte-level mutations of a real checkpoint: the loaders only ever fail with the documented exceptions. */
    @Test
    void seededByteMutationsOfACheckpoint() throws IOException {
        byte[] good = Files.readAllBytes(file);
        SplittableRandom rnd = new SplittableRandom(1122);
        Path f = dir.resolve("mutant.safetensors");
        int refused = 0;
        for (int i = 0; i < 400; i++) {
            byte[] b = good.clone();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
            if (rnd.nextInt(4) == 0) b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            Files.write(f, b);
            for (int which = 0; which < 2; which++) {
                try {
                    if (which == 0) load(f);
                    else StateDict.load(model(), f, false);
                } catch (SafeTensorsException e) {
                    assertThat(e.getMessage()).startsWith(f.toString());
                    refused++;
                } catch (IllegalArgumentException e) {
                    // a header that still parses but no longer fits the model or the optimizer
                    assertThat(e.getMessage()).as("mutant %d", i).isNotBlank();
                    refused++;
                } catch (RuntimeException | Error e) {
                    throw new AssertionError("mutant " + i + " (loader " + which + "): " + e, e);
                }
            }
        }
        assertThat(refused).isGreaterThan(200);
    }
}
