package org.resnet4j.ops.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.LrScheduler;
import org.resnet4j.ops.optim.Optimizer;
import org.resnet4j.ops.optim.SGD;
import org.resnet4j.ops.optim.StepLR;

/** N SGD steps straight equal N/2 steps, a checkpoint, a restart in fresh objects and N/2 more: bit for bit. */
class TrainingCheckpointTest {
    @TempDir
    Path dir;

    static final int STEPS = 6, BATCH = 4, POOL = 12;
    static final int[] IMAGE = {3, 8, 8};

    /** A run's live objects: model, optimizer, scheduler and the data shuffler. */
    static final class Run {
        final Module model;
        final Optimizer opt;
        final LrScheduler sched;
        final Rng data;
        final CrossEntropyLoss loss = new CrossEntropyLoss();

        Run(long initSeed, long dataSeed) {
            RandomState.manualSeed(initSeed);
            model = ModelZoo.create("resnet20");
            opt = new SGD(model.namedParameters(), 0.1, 0.9, 0.0, 5e-4, false);
            sched = new StepLR(opt, 2, 0.5);
            data = new Rng(dataSeed);
        }

        /** One step: a shuffled batch from the pool, noise from the global RandomState (augmentation), SGD. */
        void step(float[][] pool, int[] labels, int stepIndex) {
            int[] order = new int[POOL];
            for (int i = 0; i < POOL; i++) order[i] = i;
            data.shuffle(order);
            int per = IMAGE[0] * IMAGE[1] * IMAGE[2];
            float[] x = new float[BATCH * per];
            float[] y = new float[BATCH];
            for (int b = 0; b < BATCH; b++) {
                for (int i = 0; i < per; i++) x[b * per + i] = pool[order[b]][i] + (float) (0.1 * RandomState.global().nextGaussian());
                y[b] = labels[order[b]];
            }
            model.train();
            opt.zeroGrad();
            Tensor logits = model.forward(CpuBackend.get().fromFloats(x, BATCH, IMAGE[0], IMAGE[1], IMAGE[2]));
            loss.forward(logits, CpuBackend.get().fromFloats(y, BATCH));
            model.backward(loss.backward());
            opt.step();
            if (stepIndex % 2 == 1) sched.step();
        }
    }

    static float[][] pool() {
        Rng r = new Rng(99);
        float[][] p = new float[POOL][IMAGE[0] * IMAGE[1] * IMAGE[2]];
        for (float[] img : p) for (int i = 0; i < img.length; i++) img[i] = (float) r.nextGaussian();
        return p;
    }

    static int[] labels() {
        int[] l = new int[POOL];
        for (int i = 0; i < POOL; i++) l[i] = i % 10;
        return l;
    }

    @Test
    void resumedRunIsBitIdenticalToAStraightRun() throws IOException {
        float[][] pool = pool();
        int[] labels = labels();

        Run straight = new Run(7, 11);
        for (int s = 0; s < STEPS; s++) straight.step(pool, labels, s);
        long straightGlobal = RandomState.state();

        Run first = new Run(7, 11);
        for (int s = 0; s < STEPS / 2; s++) first.step(pool, labels, s);
        Path ckpt = dir.resolve("ckpt.safetensors");
        TrainingCheckpoint.save(ckpt, first.model, first.opt, first.sched, 1, STEPS / 2, Map.of("data", first.data.state()));

        Run resumed = new Run(12345, 54321); // different init and data seeds: everything must come from the file
        RandomState.manualSeed(777);
        TrainingCheckpoint.Progress p = TrainingCheckpoint.load(ckpt, resumed.model, resumed.opt, resumed.sched);
        assertThat(p.epoch()).isEqualTo(1);
        assertThat(p.step()).isEqualTo(STEPS / 2);
        resumed.data.setState(p.rngState("data"));
        for (int s = STEPS / 2; s < STEPS; s++) resumed.step(pool, labels, s);

        assertThat(RandomState.state()).isEqualTo(straightGlobal);
        assertThat(resumed.opt.lr()).isEqualTo(straight.opt.lr());
        assertThat(resumed.sched.lastEpoch()).isEqualTo(straight.sched.lastEpoch());
        for (var e : straight.model.namedParameters().entrySet()) {
            float[] a = e.getValue().data().toFloats(), b = resumed.model.namedParameters().get(e.getKey()).data().toFloats();
            for (int i = 0; i < a.length; i++) {
                assertThat(Float.floatToRawIntBits(b[i])).as(e.getKey() + "[" + i + "]").isEqualTo(Float.floatToRawIntBits(a[i]));
            }
        }
        for (var e : straight.model.namedBuffers().entrySet()) {
            assertThat(resumed.model.namedBuffers().get(e.getKey()).data().toFloats()).as(e.getKey())
                    .containsExactly(e.getValue().data().toFloats());
        }
        for (var e : straight.model.namedCounters().entrySet()) {
            assertThat(resumed.model.namedCounters().get(e.getKey()).get()).isEqualTo(e.getValue().get()).isEqualTo(STEPS);
        }
        var sa = straight.opt.state();
        var sb = resumed.opt.state();
        assertThat(sb.counters()).isEqualTo(sa.counters());
        sa.tensors().forEach((k, t) -> assertThat(sb.tensors().get(k).toFloats()).as(k).containsExactly(t.toFloats()));
    }

    @Test
    void refusesAPlainStateDictAndMismatchedRuns() throws IOException {
        Run r = new Run(1, 2);
        Path weights = dir.resolve("weights.safetensors");
        StateDict.save(r.model, weights);
        assertThatThrownBy(() -> TrainingCheckpoint.load(weights, r.model, r.opt, r.sched))
                .hasMessageContaining("not a resnet4j training checkpoint");

        Path ckpt = dir.resolve("ckpt.safetensors");
        TrainingCheckpoint.save(ckpt, r.model, r.opt, r.sched, 0, 0, Map.of());
        assertThatThrownBy(() -> TrainingCheckpoint.load(ckpt, r.model, r.opt, null)).hasMessageContaining("StepLR");
        Optimizer otherMomentum = new SGD(r.model.namedParameters(), 0.1, 0.5, 0.0, 5e-4, false);
        assertThatThrownBy(() -> TrainingCheckpoint.load(ckpt, r.model, otherMomentum, new StepLR(otherMomentum, 2, 0.5)))
                .hasMessageContaining("momentum");
        assertThatThrownBy(() -> TrainingCheckpoint.save(ckpt, r.model, r.opt, r.sched, 0, 0, Map.of("global", 1L)))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> TrainingCheckpoint.load(ckpt, r.model, r.opt, r.sched).rngState("data"))
                .hasMessageContaining("no random stream 'data'");
    }

    @Test
    void aRefusedCheckpointChangesNothing() throws IOException {
        Run saved = new Run(1, 2);
        float[][] pool = pool();
        int[] labels = labels();
        for (int s = 0; s < 2; s++) saved.step(pool, labels, s);
        Path ckpt = dir.resolve("trained.safetensors");
        TrainingCheckpoint.save(ckpt, saved.model, saved.opt, saved.sched, 1, 2, Map.of());

        Run fresh = new Run(7, 2);
        Map<String, float[]> before = new java.util.LinkedHashMap<>();
        fresh.model.namedParameters().forEach((k, v) -> before.put(k, v.data().toFloats()));
        // the weights match this model, the optimizer's momentum does not: refused after reading everything
        Optimizer otherMomentum = new SGD(fresh.model.namedParameters(), 0.1, 0.5, 0.0, 5e-4, false);
        LrScheduler sched = new StepLR(otherMomentum, 2, 0.5);
        assertThatThrownBy(() -> TrainingCheckpoint.load(ckpt, fresh.model, otherMomentum, sched)).hasMessageContaining("momentum");
        fresh.model.namedParameters().forEach((k, v) ->
                org.assertj.core.api.Assertions.assertThat(v.data().toFloats()).as(k).containsExactly(before.get(k)));
        org.assertj.core.api.Assertions.assertThat(otherMomentum.lr()).isEqualTo(0.1);
        // and a matching optimizer with another scheduler kind: refused too, model untouched
        Optimizer same = new SGD(fresh.model.namedParameters(), 0.1, 0.9, 0.0, 5e-4, false);
        LrScheduler otherKind = new org.resnet4j.ops.optim.CosineAnnealingLR(same, 10, 0.0);
        assertThatThrownBy(() -> TrainingCheckpoint.load(ckpt, fresh.model, same, otherKind)).hasMessageContaining("scheduler");
        fresh.model.namedParameters().forEach((k, v) ->
                org.assertj.core.api.Assertions.assertThat(v.data().toFloats()).as(k).containsExactly(before.get(k)));
    }
}
