package org.pfncache.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.host.HostMm;

/**
 * What an invalidation costs a vCPU that is reading the cache it invalidates, as a latency
 * distribution (SampleTime), paired with a placebo invalidator that burns the same CPU without
 * invalidating.
 *
 * <p><b>Measures</b>, per operation (µs, SampleTime: JMH's percentiles, p99 is the target's): one
 * operation is "ask the invalidator for one invalidation, then do {@value #BATCH} R7 reads of the
 * cache ({@link HotPath#enterCheckRead}, refreshing when check fails, as a vCPU does), then wait
 * until the invalidator has finished". With {@code invalidator=migrate} the invalidator thread runs
 * {@code HostMm.migrate} of the cache's page (one 1-page invalidation: its write side covers one
 * cache's walk, well under 2 µs); with {@code invalidator=placebo} it spins, without touching the
 * Vm, for the median duration of a migrate measured at setup, after {@value #WARM_MIGRATES}
 * warm-up migrates (measured cold, the median was 10-40x a compiled migrate, and the placebo's
 * operations were the slower ones). The reader stall of an invalidation
 * is {@code p99(migrate) - p99(placebo)}: the time the reader lost to waiting for the write side,
 * for the invalidation's end and to its own refresh. Parameter {@code strategy}: every built-in.
 *
 * <p>Threads: the benchmark thread (the vCPU: the only one that reads and refreshes) and the
 * invalidator (the only one that invalidates; it never refreshes, as KVM's notifier never does):
 * two busy threads, the CPUs the suite is sized for. A batch of {@value #BATCH} reads takes
 * 10-30 µs, longer than an invalidation, so each operation contains exactly one; the final wait is
 * normally already over.
 *
 * <p><b>Avoids</b>: {@code Level.Invocation} (each operation restores its own state: the
 * invalidation completes and the reader has refreshed within it); an invalidator that races the
 * reader on refresh_lock; more busy threads than CPUs; the placebo doing less work on the CPU than
 * the real invalidator (same thread, same handshake, same duration); dead-code elimination (the
 * reads' sum goes to JMH).
 *
 * <p><b>Reproduce</b> (from the repository root):
 * <pre>
 * ./pfncache bench quick 'ReaderStall' -p strategy=rwlock          # 3 forks, 5 x 1 s
 * java -jar bench/target/benchmarks.jar 'ReaderStall' -p strategy=srcu -f 1 -wi 1 -i 1 -r 200ms
 * java -jar bench/target/benchmarks.jar 'ReaderStall' -f 1 -wi 1 -i 2 -r 1 \
 *     -jvmArgsAppend -Dpfncache.bench.stallParts=true                     # where the stall goes
 * </pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
public class ReaderStall {
    /** Reads per operation. */
    static final int BATCH = 1000;
    /** Migrates (each with the refresh after it) run at setup before the placebo's duration is measured. */
    static final int WARM_MIGRATES = 20_000;

    @State(Scope.Benchmark)
    public static class Env {
        @Param({"rwlock", "rwlock-try", "srcu", "seqcount"})
        public String strategy;

        /** migrate: real invalidations; placebo: the same thread spins as long, invalidating nothing. */
        @Param({"migrate", "placebo"})
        public String invalidator;

        Guest guest;
        PfnCache cache;
        Invalidator thread;
        final Parts parts = PARTS ? new Parts() : null;

        @Setup(Level.Trial)
        public void setUp() {
            guest = new Guest(InvalidationStrategy.byName(strategy), GuardPolicy.OFF, 1, 256);
            cache = guest.cacheOn(0);
            HostMm mm = guest.vm.mm();
            // Warm the migrate path first (interpreted and C1 code is 10-50x slower than C2's), so
            // that the placebo spins as long as a compiled migrate, the one the trial runs.
            for (int i = 0; i < WARM_MIGRATES; i++) {
                mm.migrate(Guest.hva(0));
                cache.refresh(Guest.LEN);
            }
            long[] d = new long[401];
            for (int i = 0; i < d.length; i++) {
                long t0 = System.nanoTime();
                mm.migrate(Guest.hva(0));
                d[i] = System.nanoTime() - t0;
                cache.refresh(Guest.LEN);
            }
            Arrays.sort(d);
            long median = d[d.length / 2];
            System.out.printf("ReaderStall %s: migrate takes %.2f us (median of %d, no reader), p90 %.2f us;"
                    + " the placebo spins the median%n", strategy, median / 1e3, d.length, d[d.length * 9 / 10] / 1e3);
            thread = new Invalidator(mm, Guest.hva(0), invalidator.equals("migrate"), median).start();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                thread.close();
                System.out.printf("ReaderStall %s %s: %d invalidations%n", strategy, invalidator, thread.done());
                if (PARTS && parts.n > 0) {
                    parts.print(strategy + " " + invalidator, thread);
                }
                guest.warnIfReported("ReaderStall " + strategy);
            } finally {
                guest.close();
            }
        }
    }

    @Benchmark
    public long readAcrossInvalidation(Env env) {
        if (PARTS) {
            return env.parts.timedOperation(env);
        }
        long seq = env.thread.request();
        PfnCache cache = env.cache;
        long s = 0;
        for (int i = 0; i < BATCH; i++) {
            s += HotPath.enterCheckRead(cache);
        }
        env.thread.awaitDone(seq);
        return s;
    }

    /**
     * {@code -Dpfncache.bench.stallParts=true} (in the forks: {@code -jvmArgsAppend}): a diagnosis,
     * not a measurement. Each operation is timed in parts with System.nanoTime() around every read
     * (about 60 ns added per read, so the batch figures are inflated alike for both invalidators),
     * and the fork prints at teardown the percentiles of: the batch of reads, the wait for the
     * invalidator after it, the slowest single read of the batch (the one that met the
     * invalidation and refreshed), and (migrate) the invalidation's own duration. Off by default;
     * the JIT folds the flag away.
     */
    static final boolean PARTS = Boolean.getBoolean("pfncache.bench.stallParts");

    /** The per-part timings of {@link #PARTS}. */
    static final class Parts {
        private static final int MAX = 1 << 20;
        private final long[] batch = new long[MAX];
        private final long[] wait = new long[MAX];
        private final long[] slowest = new long[MAX];
        private int n;

        long timedOperation(Env env) {
            long t0 = System.nanoTime();
            long seq = env.thread.request();
            PfnCache cache = env.cache;
            long s = 0;
            long max = 0;
            for (int i = 0; i < BATCH; i++) {
                long a = System.nanoTime();
                s += HotPath.enterCheckRead(cache);
                max = Math.max(max, System.nanoTime() - a);
            }
            long t1 = System.nanoTime();
            env.thread.awaitDone(seq);
            long t2 = System.nanoTime();
            if (n < MAX) {
                batch[n] = t1 - t0;
                wait[n] = t2 - t1;
                slowest[n++] = max;
            }
            return s;
        }

        void print(String label, Invalidator inv) {
            line(label, "batch of " + BATCH + " reads", batch, n);
            line(label, "wait for the invalidator after it", wait, n);
            line(label, "slowest single read", slowest, n);
            if (inv.nd > 0) {
                line(label, "invalidation (migrate) itself", inv.durations, inv.nd);
            }
        }

        private static void line(String label, String what, long[] a, int count) {
            long[] x = java.util.Arrays.copyOf(a, count);
            java.util.Arrays.sort(x);
            System.out.printf("stallParts %s: %s: n=%d p50=%.2f p90=%.2f p99=%.2f us%n", label, what, count,
                    x[count / 2] / 1e3, x[count * 9 / 10] / 1e3, x[count * 99 / 100] / 1e3);
        }
    }

    /**
     * The invalidator: waits (spinning: it is one of the two busy threads) for a request, then
     * migrates the page or, as the placebo, spins for {@code placeboNanos}; then reports it done.
     */
    static final class Invalidator implements AutoCloseable {
        private static final VarHandle REQUESTED;
        private static final VarHandle DONE;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                REQUESTED = l.findVarHandle(Invalidator.class, "requested", long.class);
                DONE = l.findVarHandle(Invalidator.class, "done", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final HostMm mm;
        private final long hva;
        private final boolean real;
        private final long placeboNanos;
        private final Thread thread;
        private volatile boolean running = true;
        /** {@link #PARTS}: each migrate's duration, written by the invalidator, read after its join. */
        final long[] durations = PARTS ? new long[Parts.MAX] : null;
        int nd;
        private volatile Throwable failure;
        @SuppressWarnings("unused") // through REQUESTED
        private long requested;
        @SuppressWarnings("unused") // through DONE
        private long done;

        Invalidator(HostMm mm, long hva, boolean real, long placeboNanos) {
            this.mm = mm;
            this.hva = hva;
            this.real = real;
            this.placeboNanos = placeboNanos;
            this.thread = new Thread(this::run, "pfncache-bench-invalidator");
            thread.setDaemon(true);
        }

        Invalidator start() {
            thread.start();
            return this;
        }

        /** Asks for one more invalidation; returns its number. One requester only (the benchmark thread). */
        long request() {
            // Opaque: only this thread writes it. Release: pairs with the invalidator's getAcquire
            // in run() (a handshake of the benchmark, no R/I rule: it only starts the invalidation).
            long n = (long) REQUESTED.getOpaque(this) + 1;
            REQUESTED.setRelease(this, n);
            return n;
        }

        long done() {
            // Acquire: pairs with the setRelease in run(), so the caller sees the finished invalidation.
            return (long) DONE.getAcquire(this);
        }

        void awaitDone(long seq) {
            while (done() < seq) {
                if (failure != null) {
                    throw new IllegalStateException("invalidator failed", failure);
                }
                Thread.onSpinWait();
            }
        }

        private void run() {
            try {
                long served = 0;
                while (running) {
                    long want = (long) REQUESTED.getAcquire(this); // pairs with request()'s setRelease
                    if (want == served) {
                        Thread.onSpinWait();
                        continue;
                    }
                    if (real && PARTS) {
                        long t0 = System.nanoTime();
                        mm.migrate(hva);
                        if (nd < durations.length) {
                            durations[nd++] = System.nanoTime() - t0;
                        }
                    } else if (real) {
                        mm.migrate(hva);
                    } else {
                        long end = System.nanoTime() + placeboNanos;
                        while (System.nanoTime() - end < 0) {
                            Thread.onSpinWait();
                        }
                    }
                    served = want;
                    DONE.setRelease(this, served); // pairs with done()'s getAcquire
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        @Override
        public void close() {
            running = false;
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure != null) {
                throw new IllegalStateException("invalidator failed", failure);
            }
        }
    }
}
