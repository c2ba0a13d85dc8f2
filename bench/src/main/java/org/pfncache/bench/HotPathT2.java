package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link HotPath} with two reader threads, each on its own cache (its own page, its own lock).
 * Reproduce: {@code java -jar bench/target/benchmarks.jar 'HotPathT2' -prof gc}
 */
@Threads(2)
public class HotPathT2 extends HotPath {
}
