package org.pfncache.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.host.HostMm;
import org.pfncache.host.OomReapResult;

/**
 * What an invalidation costs the invalidator, per strategy, with 0 or 1 active reader
 * ({@link ActiveReader}) on the cache it invalidates; and what a refresh costs.
 *
 * <p><b>Measures</b>, in µs per operation, on a Vm whose mm holds one 1-page VMA with one
 * gpa-based cache on it (guard OFF, PREEMPT_NONE):
 * <ul>
 * <li>{@code migrate}: {@code HostMm.migrate} of the page — a blockable invalidation (R8, R9)
 *     plus the simulated host's copy and pte switch.</li>
 * <li>{@code munmap}: {@code HostMm.munmap} of the page — a blockable invalidation plus the zap.</li>
 * <li>{@code oomReap}: one attempt of the OOM reaper ({@code oomReap(1, 0)}) over the VMA — the
 *     non-blockable invalidation (R10). The {@code reapRetried} counter says how many attempts a
 *     strategy answered RETRY (with a reader inside: RWLOCK-TRY always, SRCU when its poll budget
 *     runs out), {@code reapDone} how many completed.</li>
 * <li>{@code refreshInvalid}: {@code refresh(8)} of a cache a migration invalidated — the R5 retry
 *     loop: fault, map, publish; the old mapping retired.</li>
 * <li>{@code refreshValid}: {@code refresh(8)} of a valid cache — the write side and a re-publish.</li>
 * </ul>
 * Every invocation starts from the same state: before each (untimed, {@code Level.Invocation})
 * the page is mapped again if it was unmapped or reaped (munmap of a reaped VMA, mmap, the
 * signature rewritten) and the cache refreshed if invalid; {@code refreshInvalid} then migrates
 * the page. Operations take microseconds, so JMH's per-invocation timestamps (tens of ns) are
 * noise, not bias.
 *
 * <p><b>Avoids</b>: measuring a no-op (each invocation invalidates a valid cache, so the
 * strategy's revocation always runs); dead-code elimination (the operations have side effects
 * in the mm; reap results go to JMH); cross-benchmark state (each benchmark forks its own Vm).
 *
 * <p><b>Reproduce</b> (after building): {@code java -jar bench/target/benchmarks.jar 'Invalidation\.' -f 1 -wi 3 -w 1s -i 5 -r 1s}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class Invalidation {
    private static final long HVA = Guest.hva(0);

    @State(Scope.Benchmark)
    public static class Env {
        @Param({"rwlock", "rwlock-try", "srcu", "seqcount"})
        public String strategy;

        @Param({"0", "1"})
        public int readers;

        Guest guest;
        HostMm mm;
        PfnCache cache;
        private ActiveReader reader;

        @Setup(Level.Trial)
        public void setUp() {
            guest = new Guest(InvalidationStrategy.byName(strategy), GuardPolicy.OFF, 1, 64);
            mm = guest.vm.mm();
            cache = guest.cacheOn(0);
            if (readers > 0) {
                reader = new ActiveReader(cache).start();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                if (reader != null) {
                    reader.close();
                }
                guest.warnIfReported("Invalidation " + strategy);
            } finally {
                guest.close();
            }
        }

        /** The page mapped (with its signature) and the cache valid on it. */
        void restore() {
            if (mm.pfn(HVA) == -1) {
                if (!mm.vmas().isEmpty()) {
                    mm.munmap(HVA, Guest.PAGE); // the reaper leaves the VMA, only its pages go
                }
                mm.mmap(HVA, Guest.PAGE);
                guest.writeSignature(0);
            }
            if (!cache.isValid()) {
                cache.refresh(Guest.LEN);
            }
        }
    }

    /** Before each invocation: page mapped, cache valid. */
    @State(Scope.Thread)
    public static class Valid {
        @Setup(Level.Invocation)
        public void setUp(Env env) {
            env.restore();
        }
    }

    /** Before each invocation: page mapped, cache invalidated by a migration. */
    @State(Scope.Thread)
    public static class Invalidated {
        @Setup(Level.Invocation)
        public void setUp(Env env) {
            env.restore();
            env.mm.migrate(HVA);
        }
    }

    /** Outcomes of the reaper's attempts in the iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class ReapOutcomes {
        public long reapDone;
        public long reapRetried;

        @Setup(Level.Iteration)
        public void reset() {
            reapDone = 0;
            reapRetried = 0;
        }
    }

    @Benchmark
    public void migrate(Env env, Valid v) {
        env.mm.migrate(HVA);
    }

    @Benchmark
    public void munmap(Env env, Valid v) {
        env.mm.munmap(HVA, Guest.PAGE);
    }

    @Benchmark
    public OomReapResult oomReap(Env env, Valid v, ReapOutcomes outcomes) {
        OomReapResult r = env.mm.oomReap(1, Duration.ZERO);
        if (r.complete()) {
            outcomes.reapDone++;
        } else {
            outcomes.reapRetried++;
        }
        return r;
    }

    @Benchmark
    public void refreshInvalid(Env env, Invalidated i) {
        env.cache.refresh(Guest.LEN);
    }

    @Benchmark
    public void refreshValid(Env env, Valid v) {
        env.cache.refresh(Guest.LEN);
    }
}
