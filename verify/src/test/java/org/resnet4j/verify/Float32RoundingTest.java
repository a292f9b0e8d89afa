package org.resnet4j.verify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.CrossEntropyLoss;

/**
 * The conditioning estimate tells a bug from bad conditioning: a Bottleneck ResNet in train mode at batch 2
 * with 1x1 maps in layer4 (each BatchNorm there normalizes 2 values) amplifies float32 rounding into gradient
 * errors of percent order, the same network in eval mode does not; so a 3e-2 gradient error passes as
 * ill-conditioned in the first case and fails in the second.
 */
class Float32RoundingTest {

    private static double[] inputGrad(boolean train, boolean rounded) {
        Backend be = ReferenceBackend.get();
        Module m = ModelZoo.create("resnet50", ModelOptions.defaults().numClasses(10)).to(be);
        SeededParams.apply(m);
        if (train) m.train();
        else m.eval();
        if (rounded) m.addHook(new Float32Rounding());
        double[] x = new double[2 * 3 * 32 * 32];
        for (int i = 0; i < x.length; i++) x[i] = (float) (4 * Rng.uniformAt(2024, i) - 2);
        CrossEntropyLoss ce = new CrossEntropyLoss();
        ce.forward(m.forward(be.fromDoubles(x, 2, 3, 32, 32)), be.fromDoubles(new double[] {1, 8}, 2));
        Tensor dx = m.backward(ce.backward());
        return dx.toDoubles();
    }

    private static double conditioning(boolean train) {
        return Compare.normwise(inputGrad(train, true), inputGrad(train, false));
    }

    @Test
    void batchTwoTrainModeIsIllConditionedAndEvalModeIsNot() {
        double train = conditioning(true), eval = conditioning(false);
        assertThat(train).as("train mode, BN over 2 values").isGreaterThan(3e-3);
        assertThat(eval).as("eval mode").isLessThan(1e-5);

        double error = 3e-2;
        CheckResult ill = row(error, train), well = row(error, eval);
        assertThat(ill.pass()).as("%s", ill).isTrue();
        assertThat(ill.illConditioned()).isTrue();
        assertThat(well.pass()).isFalse();
        assertThat(well.illConditioned()).isFalse();

        AuditReport report = AuditReport.of(java.util.List.of(ill, well));
        assertThat(report.markdown()).contains("PASS *ill-conditioned*").contains("**FAIL**").contains("f32 conditioning");
        assertThat(report.json()).contains("\"f32_conditioning\"").contains("\"ill_conditioned\" : true");
        assertThat(report.table()).contains("PASS (ill-conditioned)");
    }

    private static CheckResult row(double error, double conditioning) {
        double tol = CheckResult.tolerance(1e-4, conditioning);
        return new CheckResult("Model", "resnet50", "input.grad", error, error, tol, error <= tol, "", conditioning);
    }
}
