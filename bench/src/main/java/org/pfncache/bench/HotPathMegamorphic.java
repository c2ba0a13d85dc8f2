package org.pfncache.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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

/**
 * The hot path when the JIT has seen every strategy: a Vm with one cache of each built-in
 * strategy ({@code Vm.newCache(strategy)}), so PfnCache's calls into its {@code CacheLock} are
 * megamorphic, as in a process that mixes strategies. {@link HotPath}'s figures are monomorphic
 * (one strategy per fork); the ratio between the two is the price of a polluted profile.
 *
 * <p><b>Measures</b>, in ns per access of 8 bytes, 1 thread, guard OFF:
 * <ul>
 * <li>{@code enterCheckRead}, {@code readLong} (parameter {@code strategy}): one strategy's cache,
 *     measured after the trial setup ran {@value #POLLUTE} reads of every strategy's cache through
 *     the same call sites (so the profile the JIT compiles from has seen all of them).</li>
 * <li>{@code readLongAll}: {@code readLong} on each strategy's cache in turn, one call site,
 *     per access (the four caches' mean).</li>
 * </ul>
 *
 * <p><b>Avoids</b>: a monomorphic profile (the pollution runs before JMH's warmup, in the same
 * fork); dead-code elimination (values go to JMH); constant folding (caches in {@code @State}).
 * Caveat: a JIT may still split a hot loop's profile by receiver; the pollution makes that
 * unlikely but not impossible, which {@code readLongAll} (always mixed) rules out.
 *
 * <p><b>Reproduce</b> (from the repository root):
 * {@code ./pfncache bench quick 'HotPathMegamorphic|HotPathT1.readLong' -p strategy=srcu}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
public class HotPathMegamorphic {
    /** Reads of each strategy's cache, per call site, before measuring. */
    static final int POLLUTE = 50_000;

    /** A Vm with one cache per built-in strategy, each on its own page. */
    @State(Scope.Thread)
    public static class All {
        Guest guest;
        PfnCache[] caches;

        @Setup(Level.Trial)
        public void setUp() {
            List<InvalidationStrategy> all = InvalidationStrategy.builtIns();
            guest = new Guest(all.get(0), GuardPolicy.OFF, all.size(), all.size() + 64);
            caches = new PfnCache[all.size()];
            for (int i = 0; i < caches.length; i++) {
                caches[i] = guest.cacheOn(i, all.get(i));
            }
            long sink = 0;
            for (int round = 0; round < 10; round++) {
                for (PfnCache c : caches) {
                    for (int k = 0; k < POLLUTE / 10; k++) {
                        sink += HotPath.enterCheckRead(c);
                        sink += c.readLong(Guest.LEN, HotPath.READ_LONG);
                    }
                }
            }
            if (sink == 42) {
                System.out.println(sink);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            guest.close();
        }
    }

    /** All's caches, one of which ({@code strategy}) is measured. */
    @State(Scope.Thread)
    public static class One {
        @Param({"rwlock", "rwlock-try", "srcu", "seqcount"})
        public String strategy;

        PfnCache cache;

        @Setup(Level.Trial)
        public void setUp(All all) {
            for (PfnCache c : all.caches) {
                if (c.strategy().name().equals(strategy)) {
                    cache = c;
                }
            }
            if (cache == null) {
                throw new IllegalStateException("no built-in strategy " + strategy);
            }
        }
    }

    @Benchmark
    public long enterCheckRead(One one) {
        return HotPath.enterCheckRead(one.cache);
    }

    @Benchmark
    public long readLong(One one) {
        return one.cache.readLong(Guest.LEN, HotPath.READ_LONG);
    }

    @Benchmark
    @OperationsPerInvocation(4)
    public long readLongAll(All all) {
        PfnCache[] cs = all.caches;
        long s = 0;
        for (int i = 0; i < 4; i++) {
            s += cs[i % cs.length].readLong(Guest.LEN, HotPath.READ_LONG);
        }
        return s;
    }
}
