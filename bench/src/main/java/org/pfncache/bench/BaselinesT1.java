package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link Baselines} with one thread.
 *
 * <p><b>Measures</b> and <b>Avoids</b>: as {@link Baselines}, with this class's threads.
 *
 * <p><b>Reproduce</b> (from the repository root): {@code ./pfncache bench quick 'BaselinesT1'}
 */
@Threads(1)
public class BaselinesT1 extends Baselines {
}
