package org.pfncache;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link CacheStats} and {@link VmStats}. LongAdder: a striped counter, so
 * threads that count at once (two vCPUs refreshing, the reaper and a vCPU) write different cells
 * rather than one contended word. Everything here is off the hit path except {@link #checks} and
 * {@link #hits}, which are counted only when the Vm asked for it.
 */
final class Counters {
    final LongAdder checks = new LongAdder();
    final LongAdder hits = new LongAdder();
    final LongAdder refreshes = new LongAdder();
    final LongAdder refreshRetries = new LongAdder();
    final LongAdder faults = new LongAdder();
    final LongAdder invalidations = new LongAdder();

    CacheStats snapshot() {
        return new CacheStats(checks.sum(), hits.sum(), refreshes.sum(), refreshRetries.sum(), faults.sum(),
                invalidations.sum());
    }
}
