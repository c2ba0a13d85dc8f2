package org.pfncache.bench;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;
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
 * The vCPU's hot path, per invalidation strategy, with nothing invalidating (the cost of a read
 * that meets an invalidation is {@link ReaderStall}'s). Every figure is meant as a ratio to
 * {@link Baselines} measured in the same run.
 *
 * <p><b>Measures</b>, in ns per access of 8 bytes:
 * <ul>
 * <li>{@code enterCheckRead}: the kernel-shaped R7 loop written out — {@code enter()},
 *     {@code check(8)}, {@code khva().getLong(0)}, {@code validate()}, {@code close()}; on a failed
 *     check the section is left and the cache refreshed, on a failed validate the read is retried.
 *     The "section" of the targets.</li>
 * <li>{@code readLong}: {@code PfnCache.readLong(8, fn)} with a non-capturing
 *     {@code ToLongFunction<Khva>} (the allocation-free primitive path).</li>
 * <li>{@code write}: {@code PfnCache.write(8, fn)} with a non-capturing {@code Consumer<Khva>}
 *     storing the page's own signature back.</li>
 * <li>{@code read}: {@code PfnCache.read(8, fn)} with a {@code Function<Khva, Long>}, unboxed at
 *     once (shows what boxing costs; not a 0 B/op target).</li>
 * </ul>
 * Classes: {@link HotPathT1} (1 thread), {@link HotPathT2} (2 threads, each on its own cache and
 * page), {@link HotPathSharedT2} (2 threads on one cache), {@link HotPathGuardReport} (1 thread,
 * guard REPORT instead of OFF). Parameter {@code strategy}: every built-in ({@link BenchRunner}
 * passes whatever {@code InvalidationStrategy.builtIns()} lists). Never more busy threads than
 * the 2 CPUs the suite is sized for.
 *
 * <p><b>Avoids</b>: dead-code elimination (each value goes to JMH's blackhole; writes change the
 * simulated memory); constant folding (the cache comes from a {@code @State} field, the page value
 * is written at setup); false sharing between per-thread caches (a live 256-byte spacer after
 * each); the JDK's small-Long cache (the page holds a value outside it, so boxing in {@code read}
 * is not hidden); profile pollution between strategies (each strategy runs in its own fork; see
 * {@link HotPathMegamorphic} for the polluted case).
 *
 * <p><b>Reproduce</b> (from the repository root):
 * <pre>
 * ./pfncache bench quick 'HotPathT1.enterCheckRead' -p strategy=srcu            # 3 forks, 5 x 1 s
 * ./pfncache bench smoke 'HotPath'                                              # mechanics only
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public abstract class HotPath {
    static final Function<Khva, Long> READ_BOXED = k -> k.getLong(0);
    static final ToLongFunction<Khva> READ_LONG = k -> k.getLong(0);

    /** The Vm and its caches; one per benchmark run. */
    @State(Scope.Benchmark)
    public static class Env {
        @Param({"rwlock", "rwlock-try", "srcu", "seqcount"})
        public String strategy;

        Guest guest;
        PfnCache[] caches;
        String label;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            boolean shared = params.getBenchmark().startsWith(HotPathSharedT2.class.getName() + ".");
            boolean report = params.getBenchmark().startsWith(HotPathGuardReport.class.getName() + ".");
            int n = shared ? 1 : params.getThreads();
            GuardPolicy policy = report ? GuardPolicy.REPORT : GuardPolicy.OFF;
            guest = new Guest(InvalidationStrategy.byName(strategy), policy, n, n + 64);
            caches = new PfnCache[n];
            for (int i = 0; i < n; i++) {
                caches[i] = guest.cacheOn(i);
            }
            label = "HotPath " + strategy + " guard " + policy;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                guest.warnIfReported(label);
            } finally {
                guest.close();
            }
        }

        PfnCache cacheFor(int threadIndex) {
            return caches[threadIndex % caches.length];
        }
    }

    /** One reader thread's cache and the signature its page holds. */
    @State(Scope.Thread)
    public static class Reader {
        PfnCache cache;

        @Setup(Level.Trial)
        public void setUp(Env env, ThreadParams thread) {
            cache = env.cacheFor(thread.getThreadIndex());
            if (cache.readLong(Guest.LEN, READ_LONG) != Guest.signature((int) (cache.gpa() / Guest.PAGE))) {
                throw new IllegalStateException("cache " + cache + " does not read its page's signature");
            }
        }
    }

    @Benchmark
    public long enterCheckRead(Reader r) {
        return enterCheckRead(r.cache);
    }

    @Benchmark
    public long readLong(Reader r) {
        return r.cache.readLong(Guest.LEN, READ_LONG);
    }

    @Benchmark
    public void write(Reader r) {
        r.cache.write(Guest.LEN, HotPath::writeSignature);
    }

    @Benchmark
    public long read(Reader r) {
        return r.cache.read(Guest.LEN, READ_BOXED);
    }

    /** Writes back the value every page's offset 0 already holds (page i: {@link Guest#signature}). */
    private static void writeSignature(Khva k) {
        k.putLong(0, k.getLong(0));
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
