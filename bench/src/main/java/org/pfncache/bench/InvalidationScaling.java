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
 * {@code gpc_list} for every invalidation; the target is that 100 000 caches cost at most 10x
 * one cache (an index over uhva ranges instead of a scan).
 *
 * <p><b>Measures</b>, in µs per invalidation: {@code HostMm.migrate} of one page (a blockable
 * invalidation of exactly one page) in a Vm with {@code caches} active gpa-based caches, each on
 * <em>its own page</em> (cache i on gfn i; one memslot, one VMA of {@code caches} pages; the Vm has
 * that many physical pages plus headroom). Exactly one cache — the one on the middle page — is
 * covered by the range, and it is refreshed before each invocation (untimed), so every
 * invalidation revokes one valid cache and skips the rest. Distinct pages are the realistic
 * layout (a vCPU's caches map different guest pages) and the one that exercises an index: with
 * every cache on a few pages, an index would return a large bucket for the hot page and the
 * measurement would be of revocations, not of finding them.
 *
 * <p><b>Avoids</b>: a no-op invalidation (the covered cache is valid at each start); per-run
 * noise in the setup (100 000 activations take a few seconds and are outside the measurement);
 * dead-code elimination (the migration changes the mm).
 *
 * <p><b>Reproduce</b> (after building): {@code java -jar bench/target/benchmarks.jar 'InvalidationScaling' -f 1 -wi 3 -w 1s -i 5 -r 1s}
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

        @Param({"1", "100", "10000", "100000"})
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

    /** Before each invocation: the covered cache is valid again. */
    @State(Scope.Thread)
    public static class Valid {
        @Setup(Level.Invocation)
        public void setUp(Env env) {
            if (!env.target.isValid()) {
                env.target.refresh(Guest.LEN);
            }
        }
    }

    @Benchmark
    public void migrate(Env env, Valid v) {
        env.guest.vm.mm().migrate(env.targetHva);
    }
}
