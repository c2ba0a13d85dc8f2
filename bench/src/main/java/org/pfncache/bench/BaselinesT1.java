package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link Baselines} with one thread. Reproduce:
 * {@code ./pfncache bench quick 'BaselinesT1'}
 */
@Threads(1)
public class BaselinesT1 extends Baselines {
}
