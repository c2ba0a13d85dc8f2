package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link Baselines} with two threads sharing each structure (one lock, one descriptor); the
 * epoch readers each use their own slot. Reproduce:
 * {@code ./pfncache bench quick 'BaselinesT2'}
 */
@Threads(2)
public class BaselinesT2 extends Baselines {
}
