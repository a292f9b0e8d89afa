package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;

/** Released tensors: they fail clearly when used again, and their arrays go to exactly one new tensor. */
class RecyclingTest {
    static final CpuBackend CPU = CpuBackend.get();

    @AfterEach
    void restoreDefaults() {
        CPU.setRecycling(true);
        CPU.setNanFillEmpty(false);
    }

    @Test
    void aReleasedTensorFailsWithAnErrorNamingIt() {
        Tensor t = CPU.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor view = t.reshape(6);
        CPU.release(t);
        assertThat(CPU.isReleased(t)).isTrue();
        assertThat(CPU.isReleased(view)).as("a view shares the storage, so it is released too").isTrue();
        assertThatThrownBy(t::toFloats).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Tensor(2, 3)").hasMessageContaining("was released");
        assertThatThrownBy(() -> CPU.relu(view, view)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Tensor(6,)").hasMessageContaining("was released");
        assertThatThrownBy(() -> ((CpuStorage) t.storage()).array()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("released");
        CPU.release(t); // twice is harmless
        CPU.release(view);
    }

    @Test
    void aRecycledArrayGoesToOneTensorOnlyAndZerosAreZeros() {
        int n = 12345; // a length no other test uses, so the pool holds only our array of it
        CPU.trimPool();
        Tensor a = CPU.zeros(n);
        CPU.fill(a, 7.0);
        float[] array = ((CpuStorage) a.storage()).array();
        CPU.release(a);
        assertThat(CPU.pooledBytes()).isEqualTo(4L * n);
        Tensor b = CPU.zeros(n);
        assertThat(((CpuStorage) b.storage()).array()).as("b reuses a's array").isSameAs(array);
        assertThat(b.toFloats()).as("zeros() clears what the array held").containsOnly(0f);
        Tensor c = CPU.empty(n);
        assertThat(((CpuStorage) c.storage()).array()).as("the pool is empty: c gets a fresh array").isNotSameAs(array);
        CPU.fill(c, 3.0);
        assertThat(b.toFloats()).as("writing c does not touch b").containsOnly(0f);
        assertThatThrownBy(a::toFloats).hasMessageContaining("was released");
        CPU.release(b);
        CPU.release(c);
    }

    @Test
    void nanFillShowsWhatAnEmptyTensorHeld() {
        CPU.setNanFillEmpty(true);
        assertThat(CPU.empty(5).toFloats()).containsOnly(Float.NaN);
        Tensor t = CPU.fromFloats(new float[] {1, 2, 3, 4, 5}, 5);
        CPU.release(t);
        assertThat(CPU.empty(5).toFloats()).as("recycled, then NaN-filled").containsOnly(Float.NaN);
    }

    @Test
    void withoutRecyclingReleaseOnlyMarksTheTensor() {
        CPU.setRecycling(false);
        assertThat(CPU.pooledBytes()).isZero();
        Tensor t = CPU.zeros(777);
        CPU.release(t);
        assertThat(CPU.pooledBytes()).isZero();
        assertThatThrownBy(t::toFloats).hasMessageContaining("was released");
    }

    @Test
    void thePoolDropsTheLeastRecentlyUsedLengthsBeyondItsCapacity() {
        ArrayPool pool = new ArrayPool(4L * 100);
        float[] a = new float[40], b = new float[50], c = new float[30];
        pool.give(a);
        pool.give(b);
        assertThat(pool.pooledBytes()).isEqualTo(4L * 90);
        pool.give(c); // 120 floats > 100: length 40, used least recently, goes
        assertThat(pool.pooledBytes()).isEqualTo(4L * 80);
        assertThat(pool.take(40)).isNull();
        assertThat(pool.take(50)).isSameAs(b);
        assertThat(pool.take(30)).isSameAs(c);
        pool.give(new float[101]); // larger than the whole pool: dropped
        assertThat(pool.pooledBytes()).isZero();
    }
}
