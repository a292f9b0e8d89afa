package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;

/** torch.relu passes NaN through; a ReLU that turned NaN into 0 would hide a diverging layer from the NaN check. */
class ReluNanTest {
    @Test
    void nanStaysNanInTheVectorBodyAndTheTail() {
        float[] x = new float[37]; // longer than any vector, with a scalar tail
        for (int i = 0; i < x.length; i++) x[i] = (i % 3 == 0) ? Float.NaN : (i % 3 == 1 ? -i : i);
        Tensor y = CpuBackend.get().zeros(x.length);
        CpuBackend.get().relu(CpuBackend.get().fromFloats(x, x.length), y);
        float[] out = y.toFloats();
        for (int i = 0; i < x.length; i++) {
            if (i % 3 == 0) assertThat(out[i]).as("relu(NaN) at %d", i).isNaN();
            else assertThat(out[i]).as("relu(%s)", x[i]).isEqualTo(Math.max(x[i], 0f));
        }
    }
}
