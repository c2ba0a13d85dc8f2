package org.pfncache.bench;

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
import org.openjdk.jmh.annotations.Warmup;
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;

/**
 * Invalidation of one page as the number of active caches grows: the kernel walks all of
 * {@code gpc_list} for every invalidation; pfncache should find the one covered cache without a
 * scan. Information only (no target in the table).
 *
 * <p><b>Measures</b>, in µs per operation: {@code HostMm.migrate} of one page in a Vm with
 * {@code caches} active gpa-based caches, each on <em>its own page</em> (cache i on gfn i), then
 * {@code refresh(8)} of the one covered cache (the one on the middle page), which restores the
 * state the next operation needs. The refresh does not depend on {@code caches}, so the ratio
 * between the counts is the invalidation's scaling.
 *
 * <p><b>Avoids</b>: {@code Level.Invocation} (the operation restores its own state); a no-op
 * invalidation (the covered cache is valid at each start); dead-code elimination (the migration
 * changes the mm); setup in the measurement (100 000 activations take seconds, at trial setup).
 *
 * <p><b>Reproduce</b> (from the repository root): {@code ./pfncache bench quick 'InvalidationScaling'}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class InvalidationScaling {

    @State(Scope.Benchmark)
    public static class Env {
        @Param({"rwlock", "rwlock-try", "srcu", "seqcount"})
        public String strategy;

        @Param({"1", "100000"})
        public int caches;

        Guest guest;
        PfnCache target;
        long targetHva;

        @Setup(Level.Trial)
        public void setUp() {
            guest = new Guest(InvalidationStrategy.byName(strategy), GuardPolicy.OFF, caches, caches + 64);
            int middle = caches / 2;
            for (int i = 0; i < caches; i++) {
                PfnCache c = guest.cacheOn(i);
                if (i == middle) {
                    target = c;
                }
            }
            targetHva = Guest.hva(middle);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            guest.warnIfReported("InvalidationScaling " + strategy + " x" + caches);
            long t0 = System.nanoTime();
            guest.close();
            System.out.printf("Vm.close() with %d caches took %.1f ms%n", caches, (System.nanoTime() - t0) / 1e6);
        }
    }

    @Benchmark
    public void migrateRefresh(Env env) {
        env.guest.vm.mm().migrate(env.targetHva);
        env.target.refresh(Guest.LEN);
    }
}
