/**
 * JMH benchmarks of pfncache, written against the core's public API only.
 *
 * <ul>
 * <li>{@link org.pfncache.bench.HotPath} ({@code HotPathT1}, {@code HotPathT2},
 *     {@code HotPathSharedT2}, {@code HotPathGuardReport}): the section (enter/check/read/close),
 *     {@code readLong}, {@code write} and {@code read} per strategy, nothing invalidating.</li>
 * <li>{@link org.pfncache.bench.HotPathMegamorphic}: the same after the JIT has seen every strategy.</li>
 * <li>{@link org.pfncache.bench.HotPathMemoryChecks}: the section per strategy with
 *     {@code Vm.Builder.memoryChecks(false)} (what the section targets judge) and {@code (true)}.</li>
 * <li>{@link org.pfncache.bench.Baselines} ({@code BaselinesT1}, {@code BaselinesT2}): the
 *     section's work (R3 on a CacheState-shaped descriptor, an 8-byte read through a replica of
 *     the simulated memory's mapping, detector on or off) under plain, volatile, StampedLock,
 *     ReentrantReadWriteLock, a fenced epoch reader and {@code Srcu}; bare protocol replicas.</li>
 * <li>{@link org.pfncache.bench.ArenaBaseline}: a shared-Arena read (JDK 22+).</li>
 * <li>{@link org.pfncache.bench.ReaderStall}: a reader's latency across one invalidation, p99,
 *     against a placebo invalidator (SampleTime).</li>
 * <li>{@link org.pfncache.bench.Invalidation}: invalidation and refresh costs, 0 or 1 active reader.</li>
 * <li>{@link org.pfncache.bench.InvalidationScaling}: invalidating one page among 1 or 100 000 caches.</li>
 * <li>{@link org.pfncache.bench.ActivationScaling}: activating 100 vs 100 000 caches on one page.</li>
 * <li>{@link org.pfncache.bench.BenchRunner}: runs them (smoke, quick, full), writes the run's
 *     JSON, an SVG chart ({@link org.pfncache.bench.Chart}) and the verdict table
 *     ({@link org.pfncache.bench.Targets}).</li>
 * </ul>
 *
 * Every benchmark class's comment says what it <b>Measures</b>, what it <b>Avoids</b> and how to
 * <b>Reproduce</b> it.
 *
 * Build and run, from the repository root:
 * <pre>
 * mvn -q -B -DskipTests package -pl bench -am      # or just ./pfncache bench smoke
 * java -cp bench/target/benchmarks.jar org.pfncache.bench.BenchRunner quick
 * java -jar bench/target/benchmarks.jar -l          # plain JMH: list, or run any regex
 * </pre>
 */
package org.pfncache.bench;
