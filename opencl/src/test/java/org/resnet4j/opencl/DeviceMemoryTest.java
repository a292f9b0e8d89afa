package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;

class DeviceMemoryTest {
    static OpenClBackend cl;

    @BeforeAll
    static void setUp() {
        cl = OpenClTestSupport.backendOrSkip();
    }

    @Test
    void aTensorLargerThanTheDeviceAllowsNamesItsShape() {
        long maxAlloc = cl.device().globalMemBytes();
        // more floats than the whole device holds, so no buffer can ever take it
        int side = (int) Math.min(Integer.MAX_VALUE / 4, Math.cbrt(maxAlloc / 4.0) + 2);
        int[] shape = {side, side, side + 16};
        assertThatThrownBy(() -> cl.zeros(shape))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("(" + side + ", " + side + ", " + (side + 16) + ")")
                .hasMessageContaining(cl.device().deviceName())
                .hasMessageContaining("smaller batch");
    }

    @Test
    void unreachableTensorsGiveTheirDeviceMemoryBack() throws InterruptedException {
        long before = cl.liveDeviceBytes();
        for (int i = 0; i < 50; i++) {
            Tensor t = cl.zeros(256, 1024); // 1 MiB each
            assertThat(t.numel()).isEqualTo(256 * 1024);
        }
        assertThat(cl.liveDeviceBytes()).isGreaterThan(before);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (cl.liveDeviceBytes() > before + (8 << 20) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(cl.liveDeviceBytes()).as("bytes still held after collection").isLessThanOrEqualTo(before + (8 << 20));
    }

    @Test
    void aReleasedTensorFreesItsBufferAtOnceAndFailsWhenUsedAgain() {
        Tensor t = cl.zeros(256, 1024); // 1 MiB
        long held = cl.liveDeviceBytes();
        cl.release(t);
        assertThat(cl.isReleased(t)).isTrue();
        // at most: the Cleaner may free other, unreachable tensors meanwhile
        assertThat(cl.liveDeviceBytes()).as("freed without waiting for the garbage collector").isLessThanOrEqualTo(held - 4L * 256 * 1024);
        assertThatThrownBy(t::toFloats).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("(256, 1024)").hasMessageContaining("was released");
        long after = cl.liveDeviceBytes();
        cl.release(t); // twice is harmless: the buffer is freed once
        assertThat(cl.liveDeviceBytes()).isLessThanOrEqualTo(after);
    }

    @Test
    void aReleasedBufferGoesToTheNextTensorOfItsSizeFilledAsAsked() {
        Tensor t = cl.fromFloats(new float[] {1, 2, 3, 4, 5, 6, 7}, 7);
        long pooled = cl.pooledDeviceBytes();
        cl.release(t);
        assertThat(cl.pooledDeviceBytes()).isEqualTo(pooled + 28);
        Tensor z = cl.zeros(7);
        assertThat(cl.pooledDeviceBytes()).as("taken again").isEqualTo(pooled);
        assertThat(z.toFloats()).containsOnly(0f);
        cl.release(z);
        Tensor e = cl.empty(7, 1); // tests run with -Dresnet4j.opencl.poisonEmpty=true
        assertThat(cl.pooledDeviceBytes()).isEqualTo(pooled);
        assertThat(e.toFloats()).as("poisoned, not the zeros the buffer held").containsOnly(Float.NaN);
        assertThat(cl.isReleased(t)).isTrue();
        assertThatThrownBy(t::toFloats).hasMessageContaining("was released");
    }

    /** Only new device memory counts towards the next garbage collection: a training step's reused buffers never trigger one. */
    @Test
    void reusedBuffersDoNotCountTowardsTheNextCollection() {
        Tensor t = cl.zeros(3, 1000);
        cl.release(t);
        long counted = cl.bytesAllocatedSinceCollection();
        Tensor again = cl.zeros(3, 1000);
        assertThat(cl.bytesAllocatedSinceCollection()).as("reused").isEqualTo(counted);
        Tensor fresh = cl.zeros(3, 1001);
        assertThat(cl.bytesAllocatedSinceCollection()).as("new").isIn(counted + 4 * 3003, 0L); // 0: it just collected
        cl.release(again);
        cl.release(fresh);
    }
}
