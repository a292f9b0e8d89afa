package org.resnet4j.app.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.optim.LrScheduler;
import org.resnet4j.ops.optim.SGD;

/** --milestones: epochs from the start of the run (warm-up included), turned into optimizer steps. */
class SchedulesMilestonesTest {

    private static double[] lrs(String schedule, double[] milestones, int warmup, int steps) {
        SGD opt = new SGD(Map.of("w", new Parameter(CpuBackend.get().zeros(1))), 1.0, 0.9, 0, 0, false);
        LrScheduler s = Schedules.build(opt, schedule, steps, warmup, milestones, 10);
        double[] out = new double[steps];
        for (int i = 0; i < steps; i++) {
            out[i] = opt.lr();
            s.step();
        }
        return out;
    }

    @Test
    void multistepDropsAtEachMilestoneEpoch() {
        double[] lr = lrs("multistep", new double[] {1, 2.5}, 0, 40);  // 10 steps per epoch: steps 10 and 25
        assertThat(lr[9]).isEqualTo(1.0);
        assertThat(lr[10]).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(lr[24]).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(lr[25]).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-12));
        // with a warm-up of 5 steps the drops stay at the same epochs
        double[] w = lrs("multistep", new double[] {1, 2.5}, 5, 40);
        assertThat(w[9]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(w[10]).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(w[25]).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void stepDropsEveryPeriod() {
        double[] lr = lrs("step", new double[] {1.5}, 0, 40);           // every 15 steps
        assertThat(lr[14]).isEqualTo(1.0);
        assertThat(lr[15]).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(lr[30]).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-12));
    }
}
