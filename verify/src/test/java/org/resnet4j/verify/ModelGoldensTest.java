package org.resnet4j.verify;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.cpu.CpuBackend;

/** Blocks, whole networks and training trajectories against PyTorch. */
class ModelGoldensTest {
    private static final Goldens GOLDENS = Goldens.load();

    @Test
    void cpuBlocksModelsAndTrajectoriesMatchPyTorch() {
        List<CheckResult> rows = ModelGoldens.run(CpuBackend.get(), GOLDENS);
        LayerChecksTest.assertAllPass("cpu blocks, models, trajectories vs PyTorch f64", rows, 50);
    }

    @Test
    void oracleBlocksAndResNet18MatchPyTorchFloat64() {
        // the whole set on the oracle (ResNet-50, trajectories) takes minutes of plain loops: `resnet4j verify` runs it
        List<CheckResult> rows = ModelGoldens.run(ReferenceBackend.get(), GOLDENS,
                s -> s.startsWith("BasicBlock") || s.startsWith("Bottleneck") || s.endsWith("resnet18_eval"));
        LayerChecksTest.assertAllPass("oracle blocks and resnet18 vs PyTorch f64", rows, 30);
    }
}
