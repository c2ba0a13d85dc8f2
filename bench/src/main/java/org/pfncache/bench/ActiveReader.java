package org.pfncache.bench;

import org.pfncache.PfnCache;

/**
 * A platform thread that stays busy on one cache's read side — enter, check, read 8 bytes,
 * leave, again — so that an invalidation measured meanwhile meets an active reader: RWLOCK's
 * write side has to drain it, SRCU's grace period has to wait for it, SEQCOUNT ignores it. It
 * never refreshes (the benchmark's setup does), so it never takes the write side itself.
 */
final class ActiveReader implements AutoCloseable {
    private final PfnCache cache;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    /** The reads' sum, stored once at the end so that the reads cannot be dropped. */
    @SuppressWarnings("unused")
    private long sink;

    ActiveReader(PfnCache cache) {
        this.cache = cache;
        this.thread = new Thread(this::run, "pfncache-bench-reader");
        thread.setDaemon(true);
    }

    ActiveReader start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            long s = 0;
            while (running) {
                try (PfnCache.Section section = cache.enter()) {
                    if (section.check(Guest.LEN)) {
                        s += section.khva().getLong(0);
                    }
                }
            }
            sink = s;
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** Stops the thread and rethrows whatever stopped it early. */
    @Override
    public void close() {
        running = false;
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw new IllegalStateException("active reader failed", failure);
        }
    }
}
