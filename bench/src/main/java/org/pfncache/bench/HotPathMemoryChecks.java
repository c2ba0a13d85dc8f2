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
 * The section with and without the simulated memory's checks: {@code Vm.Builder.memoryChecks(false)}
 * is what the section targets are judged on (against baselines without the detector), and
 * {@code memoryChecks(true)} may add at most 2 ns to each.
 *
 * <p><b>Measures</b>, in ns per section: {@link HotPath#enterCheckRead} on one cache, 1 thread,
 * guard OFF, parameters {@code strategy} (every built-in) and {@code checks}.
 *
 * <p><b>Avoids</b>: dead-code elimination (values go to JMH); constant folding (cache in
 * {@code @State}); mixing strategies (each pair of figures is one strategy, so the difference is
 * the checks alone; each strategy runs in its own fork).
 *
 * <p><b>Reproduce</b> (from the repository root): {@code ./pfncache bench quick 'HotPathMemoryChecks'}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Thread)
public class HotPathMemoryChecks {
    @Param({"rwlock", "rwlock-try", "srcu", "seqcount"})
    public String strategy;

    @Param({"true", "false"})
    public boolean checks;

    private Guest guest;
    private PfnCache cache;

    @Setup(Level.Trial)
    public void setUp() {
        guest = new Guest(InvalidationStrategy.byName(strategy), GuardPolicy.OFF, 1, 64, checks);
        cache = guest.cacheOn(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        guest.close();
    }

    @Benchmark
    public long enterCheckRead() {
        return HotPath.enterCheckRead(cache);
    }
}
