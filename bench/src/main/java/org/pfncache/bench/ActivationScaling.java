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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;

/**
 * Activating and deactivating many caches on <em>one</em> page: whatever keeps the caches
 * (gpc_list, an index over uhva ranges) must not get slower per cache as the page's caches
 * multiply. Target: the per-cache cost with 100 000 caches is at most 10x the per-cache cost with
 * 100.
 *
 * <p><b>Measures</b>, in µs per operation (the per-cache figure is the score divided by
 * {@code caches}, which {@link Targets} does): one operation activates all {@code caches} caches
 * ({@code kvm_gpc_activate} of gpa 0, 8 bytes: list insertion, refresh, mapping) in creation order,
 * then deactivates them all in the same order. Every cache is made once ({@code Vm.newCache}) at
 * setup; the operation leaves them all inactive, as it found them.
 *
 * <p><b>Avoids</b>: {@code Level.Invocation} (the operation restores its own state); measuring a
 * no-op (each activation maps, each deactivation unmaps and retires); dead-code elimination (the
 * operations change the Vm). One thread: activation is not the hot path.
 *
 * <p><b>Reproduce</b> (from the repository root):
 * {@code ./pfncache bench quick 'ActivationScaling' -p strategy=srcu}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Threads(1)
@State(Scope.Thread)
public class ActivationScaling {
    @Param({"rwlock", "rwlock-try", "srcu", "seqcount"})
    public String strategy;

    @Param({"100", "100000"})
    public int caches;

    private Guest guest;
    private PfnCache[] all;

    @Setup(Level.Trial)
    public void setUp() {
        guest = new Guest(InvalidationStrategy.byName(strategy), GuardPolicy.OFF, 1, 64);
        all = new PfnCache[caches];
        for (int i = 0; i < caches; i++) {
            all[i] = guest.vm.newCache();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            guest.warnIfReported("ActivationScaling " + strategy + " x" + caches);
        } finally {
            guest.close();
        }
    }

    @Benchmark
    public void activateDeactivate() {
        PfnCache[] cs = all;
        for (PfnCache c : cs) {
            c.activate(Guest.gpa(0), Guest.LEN);
        }
        for (PfnCache c : cs) {
            c.deactivate();
        }
    }
}
