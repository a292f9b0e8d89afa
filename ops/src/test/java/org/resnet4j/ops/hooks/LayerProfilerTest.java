package org.resnet4j.ops.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.ModuleHook;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.hooks.LayerProfiler.Row;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.ReLU;

/**
 * The profiler's bookkeeping: a layer that sleeps a known time is charged at least that, forward and backward
 * apart; a container's own time excludes its layers'; own times add up to the model's; kinds and mult-adds.
 */
class LayerProfilerTest {
    static final CpuBackend CPU = CpuBackend.get();

    /** The identity, taking at least {@code millis} in each pass. */
    static final class Sleeper extends Module {
        final long millis;

        Sleeper(long millis) {
            this.millis = millis;
        }

        @Override
        protected Tensor forwardImpl(Tensor x) {
            sleep();
            return x;
        }

        @Override
        protected Tensor backwardImpl(Tensor dy) {
            sleep();
            return dy;
        }

        private void sleep() {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** A container that itself sleeps around its child: its own time is what it does besides the child. */
    static final class SlowContainer extends Module {
        final Sleeper inner = registerModule("inner", new Sleeper(30));

        @Override
        protected Tensor forwardImpl(Tensor x) {
            inner.sleep();
            return inner.forward(x);
        }

        @Override
        protected Tensor backwardImpl(Tensor dy) {
            return inner.backward(dy);
        }
    }

    static Map<String, Row> byPath(LayerProfiler p) {
        return p.rows().stream().collect(Collectors.toMap(Row::path, Function.identity()));
    }

    @Test
    void chargesEachModuleItsOwnTimeAndTheOwnTimesAddUp() {
        Sequential net = new Sequential(new Conv2d(2, 4, 3, 2, 1, 1, 1, false), new Sleeper(20), new SlowContainer(), new ReLU());
        LayerProfiler p = new LayerProfiler();
        net.addHook(p);
        Tensor x = CPU.fromFloats(new float[2 * 2 * 8 * 8], 2, 2, 8, 8);
        for (int step = 0; step < 2; step++) net.backward(net.forward(x));
        Map<String, Row> rows = byPath(p);

        assertThat(p.rows()).extracting(Row::path).containsExactly("", "0", "1", "2", "2.inner", "3");
        Row sleeper = rows.get("1"), container = rows.get("2"), inner = rows.get("2.inner"), model = rows.get("");
        assertThat(sleeper.forwards()).isEqualTo(2);
        assertThat(sleeper.backwards()).isEqualTo(2);
        assertThat(sleeper.selfForwardNanos()).isGreaterThanOrEqualTo(2 * 20_000_000L);
        assertThat(sleeper.selfBackwardNanos()).isGreaterThanOrEqualTo(2 * 20_000_000L);
        // the container: its own 30 ms per forward, not its child's 30 ms; its backward is all the child's
        assertThat(inner.selfForwardNanos()).isGreaterThanOrEqualTo(2 * 30_000_000L);
        assertThat(container.selfForwardNanos()).isEqualTo(container.forwardNanos() - inner.forwardNanos())
                .isGreaterThanOrEqualTo(2 * 30_000_000L);
        assertThat(container.selfBackwardNanos()).isLessThan(2 * 30_000_000L);
        long own = p.rows().stream().mapToLong(Row::selfNanos).sum();
        assertThat(own).isEqualTo(model.forwardNanos() + model.backwardNanos());
        // kinds and the forward's multiply-adds: (2, 4, 4, 4) outputs of 2 * 3 * 3 each
        assertThat(rows.get("0").kind()).isEqualTo("Conv2d 3x3/2");
        assertThat(rows.get("0").multAdds()).isEqualTo(2L * 4 * 4 * 4 * 2 * 3 * 3);
        assertThat(container.kind()).isEqualTo("SlowContainer (own)");
        assertThat(rows.get("3").kind()).isEqualTo("ReLU");
        assertThat(rows.get("3").multAdds()).isZero();
    }

    @Test
    void pausedAndResetRecordNothing() {
        Sequential net = new Sequential(new Sleeper(1), new ReLU());
        LayerProfiler p = new LayerProfiler();
        net.addHook(p);
        Tensor x = CPU.fromFloats(new float[] {1, -2, 3, -4}, 1, 1, 2, 2);
        p.setEnabled(false);
        net.backward(net.forward(x));
        assertThat(p.rows()).isEmpty();
        p.setEnabled(true);
        net.forward(x);
        assertThat(byPath(p).get("0").forwards()).isEqualTo(1);
        assertThat(byPath(p).get("0").backwards()).isZero();
        p.reset();
        assertThat(p.rows()).isEmpty();
    }

    @Test
    void aProfilerAttachedInsideAPassSaysSo() {
        Sequential net = new Sequential(new ReLU());
        LayerProfiler p = new LayerProfiler();
        // the hook sees the end of a forward whose start it never saw
        assertThatThrownBy(() -> p.afterForward("0", net.get(0), CPU.zeros(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'0'").hasMessageContaining("before a pass");
    }

    @Test
    void everyModuleOfAZooModelIsTimedAndBeforeHooksPairWithAfterHooks() {
        Module net = ModelZoo.create("resnet20");
        List<String> events = new ArrayList<>();
        ModuleHook order = new ModuleHook() {
            @Override
            public boolean keepsTensors() {
                return false;
            }

            @Override
            public void beforeForward(String path, Module module, Tensor input) {
                events.add("(" + path);
            }

            @Override
            public void afterForward(String path, Module module, Tensor output) {
                events.add(path + ")");
            }
        };
        LayerProfiler p = new LayerProfiler();
        net.addHook(p);
        net.addHook(order);
        net.eval();
        net.forward(CPU.zeros(2, 3, 32, 32));
        assertThat(p.rows()).hasSize(net.namedModules().size());
        assertThat(p.rows()).allSatisfy(r -> assertThat(r.forwards()).isEqualTo(1));
        // properly nested: every "(" closed by its own ")" in last-in first-out order
        List<String> stack = new ArrayList<>();
        for (String e : events) {
            if (e.startsWith("(")) stack.add(e.substring(1));
            else assertThat(stack.remove(stack.size() - 1) + ")").isEqualTo(e);
        }
        assertThat(stack).isEmpty();
        assertThat(events.get(0)).isEqualTo("(");
    }
}
