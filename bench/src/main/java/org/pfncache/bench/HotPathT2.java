package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link HotPath} with two reader threads, each on its own cache (its own page, its own lock).
 *
 *
 * <p><b>Measures</b> and <b>Avoids</b>: as {@link HotPath}, with this class's threads.
 *
 * <p><b>Reproduce</b> (from the repository root): {@code ./pfncache bench quick 'HotPathT2'}
 */
@Threads(2)
public class HotPathT2 extends HotPath {
}
