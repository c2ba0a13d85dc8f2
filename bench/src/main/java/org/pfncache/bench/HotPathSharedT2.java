package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link HotPath} with two reader threads on one shared cache: the contended read side (for
 * RWLOCK both threads write one lock word; compare with the JDK locks in {@link BaselinesT2},
 * which are shared the same way). {@link HotPath.Env} recognises this class by name and builds a
 * single cache.
 *
 * <p><b>Measures</b> and <b>Avoids</b>: as {@link HotPath}, with this class's threads.
 *
 * <p><b>Reproduce</b> (from the repository root): {@code ./pfncache bench quick 'HotPathSharedT2'}
 */
@Threads(2)
public class HotPathSharedT2 extends HotPath {
}
