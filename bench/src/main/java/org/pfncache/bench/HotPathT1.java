package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link HotPath} with one reader thread. Reproduce:
 * {@code java -jar bench/target/benchmarks.jar 'HotPathT1' -prof gc}
 */
@Threads(1)
public class HotPathT1 extends HotPath {
}
