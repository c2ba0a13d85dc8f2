/**
 * JMH benchmarks of pfncache, written against the core's public API only.
 *
 * <ul>
 * <li>{@link org.pfncache.bench.HotPath} ({@code HotPathT1}, {@code HotPathT2},
 *     {@code HotPathSharedT2}): check + 8-byte read per strategy, guard OFF/REPORT, with and without
 *     a background invalidator.</li>
 * <li>{@link org.pfncache.bench.Baselines} ({@code BaselinesT1}, {@code BaselinesT2}): the same
 *     unit of work under plain fields, a volatile snapshot, StampedLock, ReentrantReadWriteLock, a
 *     fenced per-thread epoch reader, and bare replicas of each strategy's read protocol.</li>
 * <li>{@link org.pfncache.bench.Invalidation}: blockable and non-blockable invalidation and refresh
 *     latency, with 0 or 1 active reader.</li>
 * <li>{@link org.pfncache.bench.InvalidationScaling}: invalidating one page among 1 .. 100 000
 *     active caches.</li>
 * <li>{@link org.pfncache.bench.BenchRunner}: runs them (smoke, quick, full) and writes JMH JSON,
 *     an SVG chart ({@link org.pfncache.bench.Chart}) and the ratio table
 *     ({@link org.pfncache.bench.Targets}).</li>
 * </ul>
 *
 * Build and run, from the repository root:
 * <pre>
 * mvn -q -B -DskipTests package -pl bench -am      # or just ./pfncache bench quick
 * java -cp bench/target/benchmarks.jar org.pfncache.bench.BenchRunner quick
 * java -jar bench/target/benchmarks.jar -l          # plain JMH: list, or run any regex
 * </pre>
 */
package org.pfncache.bench;
