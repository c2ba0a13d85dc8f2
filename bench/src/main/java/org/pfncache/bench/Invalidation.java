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
 * What an invalidation and a refresh cost the thread that runs them, per strategy, with 0 or 1
 * active reader ({@link ActiveReader}) on the cache. Information only (no target in the table).
 *
 * <p><b>Measures</b>, in µs per operation, on a Vm whose mm holds one 1-page VMA with one
 * gpa-based cache on it (guard OFF, PREEMPT_NONE). Every operation restores the state it found
 * (page mapped with its signature, cache valid), so no untimed per-invocation setup is needed:
 * <ul>
 * <li>{@code refreshValid}: {@code refresh(8)} of a valid cache — the write side and a re-publish.</li>
 * <li>{@code migrateRefresh}: {@code HostMm.migrate} of the page (a blockable invalidation, R8,
 *     R9, plus the host's copy and pte switch), then {@code refresh(8)} (the R5 retry loop: fault,
 *     map, publish; the old mapping retired).</li>
 * <li>{@code munmapRestore}: {@code HostMm.munmap} of the page, then mmap, the signature written
 *     again and {@code refresh(8)}.</li>
 * <li>{@code oomReapRestore}: one attempt of the OOM reaper ({@code oomReap(1, 0)}, the
 *     non-blockable invalidation, R10), then the page restored as in {@code munmapRestore}. The
 *     {@code reapRetried} counter says how many attempts a strategy answered RETRY (with a reader
 *     inside: RWLOCK-TRY always, SRCU when its poll budget runs out), {@code reapDone} how many
 *     completed.</li>
 * </ul>
 * Subtract {@code refreshValid} (or compare with {@code readers=0}) to isolate the invalidation.
 * The benchmark thread plays host and vCPU here; the reader never refreshes (two busy threads).
 *
 * <p><b>Avoids</b>: {@code Level.Invocation}; measuring a no-op (each operation invalidates a
 * valid cache); dead-code elimination (the operations change the mm; reap results go to JMH);
 * cross-benchmark state (each benchmark forks its own Vm).
 *
 * <p><b>Reproduce</b> (from the repository root): {@code ./pfncache bench quick 'Invalidation\.' -p strategy=srcu}
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
    public void refreshValid(Env env) {
        env.cache.refresh(Guest.LEN);
    }

    @Benchmark
    public void migrateRefresh(Env env) {
        env.mm.migrate(HVA);
        env.cache.refresh(Guest.LEN);
    }

    @Benchmark
    public void munmapRestore(Env env) {
        env.mm.munmap(HVA, Guest.PAGE);
        env.restore();
    }

    @Benchmark
    public OomReapResult oomReapRestore(Env env, ReapOutcomes outcomes) {
        OomReapResult r = env.mm.oomReap(1, Duration.ZERO);
        if (r.complete()) {
            outcomes.reapDone++;
        } else {
            outcomes.reapRetried++;
        }
        env.restore();
        return r;
    }
}
