package org.resnet4j.ops.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Parameter;

/**
 * Update rules against real PyTorch. The expected rows were printed by
 * {@code ops/src/test/python/optim_goldens.py} (torch 1.13.1): a float32 parameter P0 updated for 5
 * steps with gradient g = p * C + D recomputed from the current p before each step.
 *
 * <p>Tolerance 1e-6 absolute on values of magnitude up to ~2.4 (float32 ulp 2.4e-7): the same float32
 * formula, but torch may evaluate it in another order (addcdiv, fused multiply-adds), a few ulps.
 */
class OptimizerGoldenTest {
    static final CpuBackend CPU = CpuBackend.get();
    static final float[] P0 = {0.5f, -1.0f, 2.0f, 0.25f};
    static final float[] C = {1.0f, 0.5f, -0.25f, 2.0f};
    static final float[] D = {0.1f, -0.2f, 0.3f, 0.0f};

    static void setGrad(Parameter p) {
        float[] v = p.data().toFloats();
        float[] g = new float[v.length];
        for (int i = 0; i < v.length; i++) g[i] = v[i] * C[i] + D[i];
        CPU.copy(CPU.fromFloats(g, g.length), p.grad());
    }

    static void check(Function<Map<String, Parameter>, Optimizer> make, float[][] expected) {
        Parameter p = new Parameter(CPU.fromFloats(P0, 4));
        Optimizer opt = make.apply(Map.of("p", p));
        for (float[] row : expected) {
            setGrad(p);
            opt.step();
            float[] got = p.data().toFloats();
            for (int i = 0; i < row.length; i++) assertThat(got[i]).as("step " + opt.stepCount() + " element " + i).isCloseTo(row[i], within(1e-6f));
        }
    }

    @Test
    void sgdPlain() {
        // SGD(lr=0.1)
        check(ps -> new SGD(ps, 0.1), new float[][] {
                {0.439999998f, -0.930000007f, 2.01999998f, 0.200000003f},
                {0.386000007f, -0.863499999f, 2.04049993f, 0.159999996f},
                {0.337400019f, -0.800324976f, 2.06151247f, 0.127999991f},
                {0.293660015f, -0.740308702f, 2.08305025f, 0.10239999f},
                {0.254294008f, -0.683293283f, 2.10512662f, 0.0819199905f}});
    }

    @Test
    void sgdMomentum() {
        // SGD(lr=0.1, momentum=0.9)
        check(ps -> new SGD(ps, 0.1, 0.9, 0, 0, false), new float[][] {
                {0.439999998f, -0.930000007f, 2.01999998f, 0.200000003f},
                {0.331999987f, -0.800499976f, 2.05850005f, 0.115000002f},
                {0.19159998f, -0.623924971f, 2.11461258f, 0.0154999997f},
                {0.0360799804f, -0.413811237f, 2.18797922f, -0.0771500021f},
                {-0.117496014f, -0.184018299f, 2.2787087f, -0.145105004f}});
    }

    @Test
    void sgdDampeningAndWeightDecay() {
        // SGD(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.01)
        check(ps -> new SGD(ps, 0.1, 0.9, 0.5, 0.01, false), new float[][] {
                {0.439500004f, -0.92900002f, 2.01799989f, 0.199750006f},
                {0.35785526f, -0.831410527f, 2.04341578f, 0.134450138f},
                {0.261303306f, -0.712379038f, 2.07581115f, 0.0621680133f},
                {0.156210721f, -0.577085018f, 2.11487675f, -0.00913378224f},
                {0.0487387516f, -0.430604756f, 2.16041422f, -0.0723874494f}});
    }

    @Test
    void sgdNesterov() {
        // SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.001)
        check(ps -> new SGD(ps, 0.1, 0.9, 0, 0.001, true), new float[][] {
                {0.385904998f, -0.866810024f, 2.03762007f, 0.154952496f},
                {0.244869217f, -0.689517379f, 2.09305787f, 0.0555208623f},
                {0.0961315334f, -0.483403325f, 2.1663115f, -0.0271706898f},
                {-0.0439553708f, -0.262975842f, 2.25782251f, -0.0812643096f},
                {-0.163013235f, -0.0413550884f, 2.36845279f, -0.103945859f}});
    }

    @Test
    void adamDefaults() {
        // Adam(lr=0.01)
        check(ps -> new Adam(ps, 0.01), new float[][] {
                {0.49000001f, -0.99000001f, 2.00999999f, 0.239999995f},
                {0.480004728f, -0.980001926f, 2.02000308f, 0.230012715f},
                {0.470017463f, -0.970007122f, 2.03001118f, 0.220047385f},
                {0.460041493f, -0.960016847f, 2.04002619f, 0.210113838f},
                {0.450080216f, -0.950032413f, 2.05005002f, 0.200222462f}});
    }

    @Test
    void adamWithL2WeightDecay() {
        // Adam(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)
        check(ps -> new Adam(ps, 0.01, 0.8, 0.99, 1e-6, 0.1), new float[][] {
                {0.49000001f, -0.99000001f, 1.99985313f, 0.240000024f},
                {0.480009437f, -0.980004072f, 1.99248338f, 0.230023772f},
                {0.470034659f, -0.97001493f, 1.985322f, 0.220088154f},
                {0.460082084f, -0.960035205f, 1.97684467f, 0.210210711f},
                {0.450158f, -0.95006752f, 1.96761441f, 0.200409427f}});
    }

    @Test
    void adamWDefaults() {
        // AdamW(lr=0.01): weight_decay 1e-2 by default
        check(ps -> new AdamW(ps, 0.01), new float[][] {
                {0.489950001f, -0.989899993f, 2.00979996f, 0.23997499f},
                {0.479905754f, -0.979802966f, 2.01960206f, 0.229963735f},
                {0.469870538f, -0.969710171f, 2.02940798f, 0.219975501f},
                {0.459847718f, -0.959622979f, 2.03921986f, 0.210020155f},
                {0.449840665f, -0.949542761f, 2.04903936f, 0.200108096f}});
    }

    @Test
    void adamWDecoupledDecay() {
        // AdamW(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.5)
        check(ps -> new AdamW(ps, 0.01, 0.8, 0.99, 1e-6, 0.5), new float[][] {
                {0.487500012f, -0.985000014f, 2f, 0.238750026f},
                {0.475074261f, -0.970080853f, 2f, 0.227583364f},
                {0.462730289f, -0.955246091f, 2f, 0.216518879f},
                {0.450475603f, -0.940499008f, 2f, 0.205576077f},
                {0.438317567f, -0.925842941f, 2f, 0.194774896f}});
    }
}
