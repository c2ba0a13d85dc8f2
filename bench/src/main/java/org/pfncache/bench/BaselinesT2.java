package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link Baselines} with two threads sharing each structure (one lock, one descriptor); the
 * epoch readers each use their own slot. Reproduce:
 * {@code java -jar bench/target/benchmarks.jar 'BaselinesT2' -prof gc}
 */
@Threads(2)
public class BaselinesT2 extends Baselines {
}
