package org.pfncache.bench;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.Khva;
import org.pfncache.PfnCache;

/**
 * The vCPU's hot path: check() plus an 8-byte read of the cached page, per invalidation strategy.
 * Run it with {@link Baselines} in the same run: every figure is meant as a ratio to those.
 *
 * <p><b>Measures</b>, in ns per read:
 * <ul>
 * <li>{@code enterCheckRead}: the kernel-shaped R7 loop written out — {@code enter()},
 *     {@code check(8)}, {@code khva().getLong(0)}, {@code validate()}, {@code close()}; on a failed
 *     check the section is left and the cache refreshed, on a failed validate (an optimistic
 *     section that raced a writer) the read is retried.</li>
 * <li>{@code read}: the same through {@code PfnCache.read(8, fn)} with a non-capturing
 *     {@code Function<Khva, Long>}; the value is unboxed at once, as a caller would.</li>
 * </ul>
 * Parameters: {@code strategy} (every built-in; {@link BenchRunner} passes whatever
 * {@code InvalidationStrategy.builtIns()} lists), {@code guard} (OFF: the guard's fast path; REPORT
 * under PREEMPT_NONE: per-thread lock tracking on, reports logged, none expected), and
 * {@code invalidateEveryUs} (0: none; otherwise a {@link BackgroundInvalidator} migrates one of
 * the readers' pages and refreshes its cache at that cadence; the {@code invalidations} counter
 * says how many it completed in each measured iteration — JMH's aggregate of it is the sum over
 * iterations — from which {@link BenchRunner} derives the period achieved).
 * Threads: {@link HotPathT1}, {@link HotPathT2} (each thread on its own cache, its own page),
 * {@link HotPathSharedT2} (both threads on one cache).
 *
 * <p><b>Avoids</b>: dead-code elimination (each read's value is returned to JMH's blackhole);
 * constant folding (the cache comes from a {@code @State} field, the page value is written at
 * setup); false sharing between per-thread caches (each cache is built with a live 256-byte
 * spacer after it, so two caches' lock words never share a cache line); the JDK's small-Long
 * cache (the page holds a value outside it, so boxing in {@code read} is not hidden).
 *
 * <p><b>Reproduce</b> (from the repository root, after
 * {@code mvn -q -B -DskipTests install -pl core && mvn -q -B package -pl bench}):
 * <pre>
 * java -jar bench/target/benchmarks.jar 'HotPath' -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
 * java -jar bench/target/benchmarks.jar 'HotPathT1.enterCheckRead' -p strategy=srcu -p guard=OFF -p invalidateEveryUs=0
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public abstract class HotPath {
    private static final Function<Khva, Long> READ_LONG = k -> k.getLong(0);

    /** The Vm, its caches and the background invalidator; one per benchmark run. */
    @State(Scope.Benchmark)
    public static class Env {
        @Param({"rwlock", "rwlock-try", "srcu", "seqcount"})
        public String strategy;

        @Param({"OFF", "REPORT"})
        public String guard;

        /** 0: no background invalidator. */
        @Param({"0", "100"})
        public int invalidateEveryUs;

        Guest guest;
        PfnCache[] caches;
        BackgroundInvalidator invalidator;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            boolean shared = params.getBenchmark().startsWith(HotPathSharedT2.class.getName() + ".");
            int n = shared ? 1 : params.getThreads();
            guest = new Guest(InvalidationStrategy.byName(strategy), GuardPolicy.valueOf(guard), n, n + 64);
            caches = new PfnCache[n];
            long[] hvas = new long[n];
            for (int i = 0; i < n; i++) {
                caches[i] = guest.cacheOn(i);
                hvas[i] = Guest.hva(i);
            }
            if (invalidateEveryUs > 0) {
                invalidator = new BackgroundInvalidator(guest.vm, caches, hvas,
                        TimeUnit.MICROSECONDS.toNanos(invalidateEveryUs)).start();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                if (invalidator != null) {
                    invalidator.close();
                    System.out.printf("invalidator: %d invalidations in %.3f s, achieved every %.1f us (asked %d us)%n",
                            invalidator.count(), invalidator.elapsedNanos() / 1e9, invalidator.achievedMicros(),
                            invalidateEveryUs);
                }
                guest.warnIfReported("HotPath " + strategy + " guard " + guard);
            } finally {
                guest.close();
            }
        }

        PfnCache cacheFor(int threadIndex) {
            return caches[threadIndex % caches.length];
        }
    }

    /**
     * One reader thread's view: its cache, and (reported as a secondary result) the number of
     * invalidations the background invalidator completed during each measured iteration, counted
     * by thread 0 only so that the per-thread sum JMH reports is not multiplied.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Reader {
        PfnCache cache;
        private BackgroundInvalidator invalidator;
        private long atIterationStart;

        @Setup(Level.Trial)
        public void setUp(Env env, ThreadParams thread) {
            cache = env.cacheFor(thread.getThreadIndex());
            invalidator = thread.getThreadIndex() == 0 ? env.invalidator : null;
        }

        @Setup(Level.Iteration)
        public void startIteration() {
            atIterationStart = invalidator == null ? 0 : invalidator.count();
        }

        /** Invalidations completed by the background invalidator during this iteration. */
        public long invalidations() {
            return invalidator == null ? 0 : invalidator.count() - atIterationStart;
        }
    }

    @Benchmark
    public long enterCheckRead(Reader r) {
        return enterCheckRead(r.cache);
    }

    @Benchmark
    public long read(Reader r) {
        return r.cache.read(Guest.LEN, READ_LONG);
    }

    /** R7 written out: check in a section, leave and refresh on failure, retry a raced optimistic read. */
    static long enterCheckRead(PfnCache cache) {
        for (;;) {
            try (PfnCache.Section s = cache.enter()) {
                if (s.check(Guest.LEN)) {
                    long v = s.khva().getLong(0);
                    if (s.validate()) {
                        return v;
                    }
                    continue;
                }
            }
            cache.refresh(Guest.LEN);
        }
    }
}
