package org.resnet4j.ops.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Parameter;

/**
 * Learning-rate sequences against real PyTorch: expected values printed by
 * {@code ops/src/test/python/optim_goldens.py} (torch 1.13.1), base lr 0.1, lr at epochs 0..10.
 * Tolerance 1e-15 absolute: torch's chainable updates and our closed forms are the same real numbers
 * computed in a different order in double, differing in the last bits.
 */
class SchedulerTest {
    static SGD opt() {
        return new SGD(Map.of("p", new Parameter(CpuBackend.get().zeros(1))), 0.1);
    }

    static void check(Function<SGD, LrScheduler> make, double[] expected) {
        SGD o = opt();
        LrScheduler s = make.apply(o);
        assertThat(o.lr()).as("epoch 0").isCloseTo(expected[0], within(1e-15));
        for (int e = 1; e < expected.length; e++) {
            s.step();
            assertThat(s.lastEpoch()).isEqualTo(e);
            assertThat(o.lr()).as("epoch " + e).isCloseTo(expected[e], within(1e-15));
        }
    }

    @Test
    void stepLR() {
        // StepLR(step_size=3, gamma=0.5)
        check(o -> new StepLR(o, 3, 0.5), new double[] {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125});
    }

    @Test
    void multiStepLRWithARepeatedMilestone() {
        // MultiStepLR(milestones=[2, 5, 5, 9], gamma=0.1)
        check(o -> new MultiStepLR(o, new int[] {9, 5, 2, 5}, 0.1), new double[] {0.1, 0.1, 0.010000000000000002,
                0.010000000000000002, 0.010000000000000002, 0.00010000000000000005, 0.00010000000000000005,
                0.00010000000000000005, 0.00010000000000000005, 1.0000000000000006e-05, 1.0000000000000006e-05});
    }

    @Test
    void cosineAnnealing() {
        // CosineAnnealingLR(T_max=10, eta_min=0.001)
        check(o -> new CosineAnnealingLR(o, 10, 0.001), new double[] {0.1, 0.09757729755661011, 0.0905463412215599,
                0.07959536998847742, 0.0657963412215599, 0.0505, 0.03520365877844011, 0.02140463001152259,
                0.010453658778440109, 0.0034227024433899004, 0.001});
    }

    @Test
    void linearWarmupThenCosine() {
        // SequentialLR([LinearLR(start_factor=0.1, total_iters=4), CosineAnnealingLR(T_max=6)], milestones=[4])
        check(o -> new LinearWarmup(o, 4, 0.1, new CosineAnnealingLR(o, 6)), new double[] {0.010000000000000002,
                0.03250000000000001, 0.055000000000000014, 0.07750000000000003, 0.1, 0.09330127018922195,
                0.07500000000000001, 0.05, 0.025000000000000012, 0.006698729810778065, 0.0});
    }

    @Test
    void linearWarmupThenConstant() {
        check(o -> new LinearWarmup(o, 2, 0.5, null), new double[] {0.05, 0.075, 0.1, 0.1});
    }

    @Test
    void stateResumesTheSchedule() {
        SGD o1 = opt();
        LrScheduler s1 = new LinearWarmup(o1, 3, 0.2, new StepLR(o1, 2, 0.5));
        for (int i = 0; i < 4; i++) s1.step();
        SchedulerState saved = s1.state();
        s1.step();
        double next = o1.lr();

        SGD o2 = opt();
        LrScheduler s2 = new LinearWarmup(o2, 3, 0.2, new StepLR(o2, 2, 0.5));
        s2.loadState(saved);
        assertThat(s2.lastEpoch()).isEqualTo(4);
        s2.step();
        assertThat(o2.lr()).isEqualTo(next);
        assertThatThrownBy(() -> new StepLR(opt(), 2, 0.5).loadState(saved)).hasMessageContaining("LinearWarmup");
    }

    @Test
    void argumentsAreValidated() {
        assertThatThrownBy(() -> new StepLR(opt(), 0, 0.5)).hasMessageContaining("step_size");
        assertThatThrownBy(() -> new StepLR(opt(), 2, 0)).hasMessageContaining("gamma");
        assertThatThrownBy(() -> new MultiStepLR(opt(), new int[] {-1}, 0.1)).hasMessageContaining("milestones");
        assertThatThrownBy(() -> new CosineAnnealingLR(opt(), 0, 0)).hasMessageContaining("T_max");
        assertThatThrownBy(() -> new LinearWarmup(opt(), 3, 0, null)).hasMessageContaining("start factor");
        SGD a = opt();
        assertThatThrownBy(() -> new LinearWarmup(a, 3, 0.1, new StepLR(opt(), 2, 0.5))).hasMessageContaining("same optimizer");
    }
}
