package org.resnet4j.spark;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;

/**
 * The training models of this executor JVM: one per task thread and architecture, built once and reused by every
 * later step (a model is not thread-safe; Spark runs one task per thread). Each task overwrites its weights.
 */
final class WorkerModels {
    private static final ThreadLocal<Map<ModelSpec, Module>> MODELS = ThreadLocal.withInitial(HashMap::new);

    private WorkerModels() {}

    /** This thread's model of {@code spec} holding {@code weights} (one array per parameter, in parameters() order). */
    static Module withWeights(ModelSpec spec, float[][] weights) {
        Module model = MODELS.get().computeIfAbsent(spec, ModelSpec::build);
        List<Parameter> params = model.parameters();
        if (params.size() != weights.length) {
            throw new IllegalStateException(spec + " has " + params.size() + " parameters but the driver sent " + weights.length);
        }
        for (int i = 0; i < weights.length; i++) {
            Tensor d = params.get(i).data();
            if (d.numel() != weights[i].length) {
                throw new IllegalStateException(spec + ": parameter " + i + " has " + d.numel() + " values, the driver sent " + weights[i].length);
            }
            Backend be = d.backend();
            Tensor w = be.fromFloats(weights[i], d.shape());
            be.copy(w, d);
            be.release(w);
        }
        return model;
    }
}
