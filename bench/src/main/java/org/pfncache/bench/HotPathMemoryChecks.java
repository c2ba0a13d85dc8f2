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
 * What the simulated memory's checks cost the section: {@code Vm.Builder.memoryChecks(true)} vs
 * {@code (false)}. Target: at most +2 ns per section.
 *
 * <p><b>Measures</b>, in ns per section: {@link HotPath#enterCheckRead} on one SRCU cache (the
 * strategy whose section is the cheapest to attribute), 1 thread, guard OFF, parameter
 * {@code checks}.
 *
 * <p><b>Avoids</b>: dead-code elimination (values go to JMH); constant folding (cache in
 * {@code @State}); comparing different strategies (both runs use SRCU, so the difference is the
 * checks alone).
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
    @Param({"true", "false"})
    public boolean checks;

    private Guest guest;
    private PfnCache cache;

    @Setup(Level.Trial)
    public void setUp() {
        guest = new Guest(InvalidationStrategy.srcu(), GuardPolicy.OFF, 1, 64, checks);
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
