package org.resnet4j.ops;

import org.resnet4j.core.Tensor;

/** A non-trainable state tensor saved with the model (BatchNorm's running_mean and running_var). */
public final class Buffer {
    private Tensor data;

    public Buffer(Tensor data) {
        this.data = data;
    }

    public Tensor data() {
        return data;
    }

    public void setData(Tensor newData) {
        if (!newData.hasShape(data.shape())) {
            throw new IllegalArgumentException("buffer of shape " + org.resnet4j.core.Shape.str(data.shape())
                    + " cannot take a tensor of shape " + org.resnet4j.core.Shape.str(newData.shape()));
        }
        this.data = newData;
    }
}
