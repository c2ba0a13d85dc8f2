package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link HotPath} with one reader thread. Reproduce:
 * {@code ./pfncache bench quick 'HotPathT1'}
 */
@Threads(1)
public class HotPathT1 extends HotPath {
}
