package org.resnet4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.apache.spark.broadcast.Broadcast;
import org.resnet4j.app.commands.Checkpoints;

/**
 * The inference models of this executor JVM. The weights file arrives once per executor (a broadcast) and is
 * decoded into a model once per concurrently running task: a task borrows a loaded model, scores its partition and
 * gives it back, so later partitions (and later tasks of the same job) reuse it. Models are not thread-safe, so two
 * task threads never share one at the same time.
 */
final class ExecutorModels {
    /** Distinct weights files kept loaded at once (least recently used dropped first). */
    private static final int KEPT = 4;

    private record Pool(Path file, ConcurrentLinkedDeque<Checkpoints.Loaded> idle) {}

    private static final Map<String, Pool> POOLS = new LinkedHashMap<>(8, 0.75f, true);

    private ExecutorModels() {}

    /**
     * A model loaded from {@code weights}. {@code key} names the weights for as long as this JVM lives: broadcast ids
     * start again at 0 with every SparkContext, and a JVM (local mode, tests) may see several.
     */
    static Checkpoints.Loaded borrow(String key, Broadcast<byte[]> weights) throws IOException {
        Pool pool = pool(key, weights);
        Checkpoints.Loaded m = pool.idle().pollFirst();
        return m != null ? m : Checkpoints.load(pool.file(), null, null);
    }

    static void giveBack(String key, Checkpoints.Loaded model) {
        Pool pool;
        synchronized (POOLS) {
            pool = POOLS.get(key);
        }
        if (pool != null) pool.idle().addFirst(model);
    }

    private static Pool pool(String key, Broadcast<byte[]> weights) throws IOException {
        synchronized (POOLS) {
            Pool p = POOLS.get(key);
            if (p != null) return p;
            // the loader reads files: the broadcast bytes become one temporary file per executor
            Path f = Files.createTempFile("resnet4j-weights-", ".safetensors");
            f.toFile().deleteOnExit();
            Files.write(f, weights.value());
            p = new Pool(f, new ConcurrentLinkedDeque<>());
            POOLS.put(key, p);
            if (POOLS.size() > KEPT) {
                var oldest = POOLS.entrySet().iterator();
                Pool dropped = oldest.next().getValue();
                oldest.remove();
                Files.deleteIfExists(dropped.file());
            }
            return p;
        }
    }
}
