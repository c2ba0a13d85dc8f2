package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link Baselines} with one thread. Reproduce:
 * {@code java -jar bench/target/benchmarks.jar 'BaselinesT1' -prof gc}
 */
@Threads(1)
public class BaselinesT1 extends Baselines {
}
