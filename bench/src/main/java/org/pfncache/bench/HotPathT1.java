package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link HotPath} with one reader thread.
 *
 * <p><b>Measures</b> and <b>Avoids</b>: as {@link HotPath}, with this class's threads.
 *
 * <p><b>Reproduce</b> (from the repository root): {@code ./pfncache bench quick 'HotPathT1'}
 */
@Threads(1)
public class HotPathT1 extends HotPath {
}
