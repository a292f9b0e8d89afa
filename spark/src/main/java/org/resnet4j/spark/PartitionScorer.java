package org.resnet4j.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.resnet4j.app.commands.Checkpoints;
import org.resnet4j.app.commands.PredictCommand;
import org.resnet4j.app.train.RunInfo;

/**
 * Scores one partition in batches of {@code batchSize} rows (path, input) with a model borrowed from this
 * executor's {@link ExecutorModels}, through the very code single-process {@code predict} runs
 * ({@link PredictCommand#load}, {@link PredictCommand#probabilities}). Rows come out in the order they came in.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
    /** What the input column holds. */
    enum Input { IMAGE_FILE, TENSOR }

    private final String key;
    private final Broadcast<byte[]> weights;
    private final Input input;
    private final int batchSize;
    private final int topK;

    PartitionScorer(String key, Broadcast<byte[]> weights, Input input, int batchSize, int topK) {
        this.key = key;
        this.weights = weights;
        this.input = input;
        this.batchSize = batchSize;
        this.topK = topK;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws IOException {
        if (!rows.hasNext()) return java.util.Collections.emptyIterator();
        Checkpoints.Loaded model = ExecutorModels.borrow(key, weights);
        return new Iterator<>() {
            private final List<Row> ready = new ArrayList<>();
            private int next;
            private boolean returned;

            @Override
            public boolean hasNext() {
                if (next < ready.size()) return true;
                if (!rows.hasNext()) {
                    if (!returned) {
                        returned = true;
                        ExecutorModels.giveBack(key, model);
                    }
                    return false;
                }
                scoreBatch();
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return ready.get(next++);
            }

            private void scoreBatch() {
                ready.clear();
                next = 0;
                List<String> paths = new ArrayList<>();
                List<float[]> inputs = new ArrayList<>();
                while (rows.hasNext() && inputs.size() < batchSize) {
                    Row r = rows.next();
                    String path = r.getString(0);
                    paths.add(path);
                    inputs.add(read(path, r, model.info()));
                }
                float[] p = PredictCommand.probabilities(model.model(), model.info(), inputs);
                int k = p.length / inputs.size();
                for (int i = 0; i < inputs.size(); i++) ready.add(row(paths.get(i), Arrays.copyOfRange(p, i * k, (i + 1) * k), model.info()));
            }
        };
    }

    private float[] read(String path, Row r, RunInfo info) {
        try {
            if (input == Input.IMAGE_FILE) return PredictCommand.load((byte[]) r.get(1), path, info);
            List<Float> values = r.getList(1);
            float[] x = new float[values.size()];
            for (int i = 0; i < x.length; i++) {
                Float v = values.get(i);
                if (v == null) throw new IllegalArgumentException(path + ": the image tensor has a null at position " + i);
                x[i] = v;
            }
            return x;
        } catch (IOException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    /** (path, top-k class indices, their labels, their probabilities), most probable first, ties by class index. */
    private Row row(String path, float[] probs, RunInfo info) {
        Integer[] order = new Integer[probs.length];
        for (int j = 0; j < order.length; j++) order[j] = j;
        Arrays.sort(order, (a, b) -> Float.compare(probs[b], probs[a]));
        int n = Math.min(topK, probs.length);
        int[] classes = new int[n];
        String[] labels = new String[n];
        float[] ps = new float[n];
        for (int j = 0; j < n; j++) {
            classes[j] = order[j];
            labels[j] = order[j] < info.classes().size() ? info.classes().get(order[j]) : "class " + order[j];
            ps[j] = probs[order[j]];
        }
        return RowFactory.create(path, classes, labels, ps);
    }
}
