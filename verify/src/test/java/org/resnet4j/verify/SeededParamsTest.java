package org.resnet4j.verify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Java and Python sides of the seeded-parameter scheme agree bit for bit. */
class SeededParamsTest {

    @Test
    void reproducesTheGeneratorsValuesExactly() {
        Goldens.Case c = Goldens.load().get("seeded_params");
        for (String name : c.outputNames()) {
            if (name.equals("probe")) continue;
            assertThat(SeededParams.values(name, c.outputShape(name))).as(name).containsExactly(c.output(name, true));
        }
    }

    @Test
    void probeMatchesTheGenerator() {
        Goldens.Case c = Goldens.load().get("seeded_params");
        double want = c.output("probe", true)[0];
        assertThat(SeededParams.probe("conv1.weight", c.input("probe_grad"))).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-12 * Math.abs(want)));
    }
}
