package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link Baselines} with two threads sharing each structure (one lock, one descriptor); the
 * epoch readers each use their own slot.
 *
 * <p><b>Measures</b> and <b>Avoids</b>: as {@link Baselines}, with this class's threads.
 *
 * <p><b>Reproduce</b> (from the repository root): {@code ./pfncache bench quick 'BaselinesT2'}
 */
@Threads(2)
public class BaselinesT2 extends Baselines {
}
