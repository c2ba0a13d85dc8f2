package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link HotPath} with two reader threads, each on its own cache (its own page, its own lock).
 * Reproduce: {@code ./pfncache bench quick 'HotPathT2'}
 */
@Threads(2)
public class HotPathT2 extends HotPath {
}
