package org.pfncache.bench;

import java.util.Arrays;
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.host.HostMm;

/**
 * A diagnosis, not a benchmark (no JMH, no verdict): on one thread, what the first read after an
 * invalidation costs, the one that refreshes. Per strategy it migrates the cache's page, times
 * the next {@link HotPath#enterCheckRead} (check fails, refresh, read), then times 1000 more
 * reads; then 1000 reads with nothing invalidating, for comparison. Each is timed with
 * {@code System.nanoTime()} around it, 40,000 times, and printed as percentiles. It isolates the
 * refresh from {@link ReaderStall}'s second thread and from scheduling, which is how the
 * reclaimer wake-up in {@code call_srcu} was found (docs/read-path.md, "The reader stall").
 *
 * <p><b>Reproduce</b> (repository root, after a build of bench/target/benchmarks.jar):
 * {@code java -cp bench/target/benchmarks.jar org.pfncache.bench.RefreshTime}
 */
public final class RefreshTime {
    private static final int ROUNDS = 40_000;
    private static final int READS = 1000;

    private RefreshTime() {
    }

    public static void main(String[] args) {
        System.out.println("RefreshTime on " + System.getProperty("java.vm.name") + " " + Runtime.version()
                + ", " + Runtime.getRuntime().availableProcessors() + " CPUs; " + ROUNDS + " rounds; us");
        for (String name : new String[] {"rwlock", "rwlock-try", "srcu", "seqcount"}) {
            Guest g = new Guest(InvalidationStrategy.byName(name), GuardPolicy.OFF, 1, 256);
            try {
                PfnCache c = g.cacheOn(0);
                HostMm mm = g.vm.mm();
                long[] migrate = new long[ROUNDS];
                long[] first = new long[ROUNDS];
                long[] after = new long[ROUNDS];
                long[] quiet = new long[ROUNDS];
                long sink = 0;
                for (int i = 0; i < ROUNDS; i++) {
                    long t0 = System.nanoTime();
                    mm.migrate(Guest.hva(0));
                    long t1 = System.nanoTime();
                    sink += HotPath.enterCheckRead(c);
                    long t2 = System.nanoTime();
                    for (int k = 0; k < READS; k++) {
                        sink += HotPath.enterCheckRead(c);
                    }
                    long t3 = System.nanoTime();
                    migrate[i] = t1 - t0;
                    first[i] = t2 - t1;
                    after[i] = t3 - t2;
                }
                for (int i = 0; i < ROUNDS; i++) {
                    long t0 = System.nanoTime();
                    for (int k = 0; k < READS; k++) {
                        sink += HotPath.enterCheckRead(c);
                    }
                    quiet[i] = System.nanoTime() - t0;
                }
                System.out.printf("%-10s migrate %s | first read (refresh) %s | %d reads after %s | %d reads, no invalidation %s%n",
                        name, pct(migrate), pct(first), READS, pct(after), READS, pct(quiet));
                if (sink == 42) {
                    System.out.print(""); // keeps the reads alive
                }
            } finally {
                g.close();
            }
        }
    }

    private static String pct(long[] x) {
        long[] y = x.clone();
        Arrays.sort(y);
        return String.format("p50 %.2f p90 %.2f p99 %.2f", y[y.length / 2] / 1e3, y[y.length * 9 / 10] / 1e3,
                y[y.length * 99 / 100] / 1e3);
    }
}
