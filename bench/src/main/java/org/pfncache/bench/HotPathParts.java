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
 * Where {@link HotPath}'s {@code enterCheckRead} spends its time, one layer at a time, so that a
 * gap to a baseline can be attributed without a disassembler: {@code enterClose} is the read
 * section alone (the strategy's protocol plus the Section object), {@code enterCheckClose} adds
 * check(8); the 8-byte read through the Khva is {@code Baselines.khvaRead}. One thread, guard OFF.
 * Information only.
 *
 * <p><b>Measures</b>: ns per {@code enterClose} and per {@code enterCheckClose}, per strategy.
 *
 * <p><b>Avoids</b>: dead-code elimination ({@code enterCheckClose} returns check's answer; the
 * section's entry and exit write shared memory, which the JIT must keep); constant folding (the
 * cache is a {@code @State} field).
 *
 * <p><b>Reproduce</b> (from the repository root): {@code ./pfncache bench quick 'HotPathParts|HotPathT1.enterCheckRead|BaselinesT1.khvaRead' -p detector=true}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Thread)
public class HotPathParts {
    @Param({"rwlock", "rwlock-try", "srcu", "seqcount"})
    public String strategy;

    private Guest guest;
    private PfnCache cache;

    @Setup(Level.Trial)
    public void setUp() {
        guest = new Guest(InvalidationStrategy.byName(strategy), GuardPolicy.OFF, 1, 64);
        cache = guest.cacheOn(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        guest.close();
    }

    @Benchmark
    public void enterClose() {
        cache.enter().close();
    }

    @Benchmark
    public boolean enterCheckClose() {
        try (PfnCache.Section s = cache.enter()) {
            return s.check(Guest.LEN);
        }
    }
}
