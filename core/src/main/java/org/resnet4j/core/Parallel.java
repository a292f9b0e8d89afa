package org.resnet4j.core;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The one thread pool of the CPU backend, sized to the available processors unless
 * {@code -Dresnet4j.threads=N} says otherwise.
 *
 * <p>Determinism: {@link #forEach} runs independent tasks; each task must write its own outputs and
 * compute them in an order that does not depend on which thread runs it. Then results are
 * bit-identical for any thread count.
 */
public final class Parallel {
    /**
     * 0 until first asked for: a malformed -Dresnet4j.threads is then an IllegalArgumentException from the call
     * that needs it (which the command line reports in one line), not a failed class initialization.
     */
    private static volatile int threads;
    private static ExecutorService pool;

    private Parallel() {}

    private static int initialThreads() {
        String prop = System.getProperty("resnet4j.threads");
        if (prop == null || prop.isBlank()) return Runtime.getRuntime().availableProcessors();
        try {
            int n = Integer.parseInt(prop.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("-Dresnet4j.threads must be a positive integer, got '" + prop + "'");
    }

    public static int threads() {
        int t = threads;
        if (t == 0) threads = t = initialThreads();
        return t;
    }

    /** Changes the number of threads used from now on (tests use it to prove thread-count independence). */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + n);
        if (n != threads() && pool != null) {
            pool.shutdown();
            pool = null;
        }
        threads = n;
    }

    private static synchronized ExecutorService pool() {
        if (pool == null) {
            AtomicInteger id = new AtomicInteger();
            pool = Executors.newFixedThreadPool(threads(), r -> {
                Thread t = new Thread(r, "resnet4j-cpu-" + id.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }

    /** Runs body(i) for i in [0, tasks), spread over the pool; returns when all are done. */
    public static void forEach(int tasks, IntConsumer body) {
        int t = Math.min(threads(), tasks);
        if (t <= 1 || Thread.currentThread().getName().startsWith("resnet4j-cpu-")) {
            for (int i = 0; i < tasks; i++) body.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i; (i = next.getAndIncrement()) < tasks; ) body.accept(i);
        };
        ExecutorService p = pool();
        Future<?>[] futures = new Future<?>[t - 1];
        for (int i = 0; i < t - 1; i++) futures[i] = p.submit(worker);
        Throwable failure = null;
        try {
            worker.run();
        } catch (Throwable e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) failure = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) failure = e;
            }
        }
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error er) throw er;
        if (failure != null) throw new IllegalStateException(failure);
    }
}
