package org.pfncache.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.pfncache.PfnCache;
import org.pfncache.Vm;

/**
 * A platform thread that invalidates and refreshes at a fixed cadence while readers are measured:
 * every {@code period} it migrates the page of the next cache in turn (a blockable MMU-notifier
 * invalidation of one page, which clears that cache's valid flag) and refreshes that cache.
 *
 * <p>Pacing is a {@link System#nanoTime()} spin, not a sleep: a parked thread's wake-up latency
 * (tens of microseconds) would dominate sub-millisecond periods. The spin costs a core, which on
 * a 2-core machine the readers feel; that is part of what "with a background invalidator" means
 * here. If an invalidation overruns its slot the schedule restarts from now (no catch-up burst),
 * so the achieved cadence can be slower than asked: {@link #count()} and {@link #elapsedNanos()}
 * say what was achieved.
 */
final class BackgroundInvalidator implements AutoCloseable {
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(BackgroundInvalidator.class, "count", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Vm vm;
    private final PfnCache[] caches;
    private final long[] hvas;
    private final long periodNanos;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    /** Written by the invalidator thread only (release), read by anyone (acquire). */
    @SuppressWarnings("unused") // accessed through COUNT
    private long count;
    private volatile long startNanos;
    private volatile long stopNanos;

    BackgroundInvalidator(Vm vm, PfnCache[] caches, long[] hvas, long periodNanos) {
        this.vm = vm;
        this.caches = caches.clone();
        this.hvas = hvas.clone();
        this.periodNanos = periodNanos;
        this.thread = new Thread(this::run, "pfncache-bench-invalidator");
        thread.setDaemon(true);
    }

    BackgroundInvalidator start() {
        startNanos = System.nanoTime();
        thread.start();
        return this;
    }

    /** Invalidations completed so far. */
    long count() {
        return (long) COUNT.getAcquire(this);
    }

    long elapsedNanos() {
        long end = running ? System.nanoTime() : stopNanos;
        return end - startNanos;
    }

    /** The achieved period in microseconds, averaged since start. */
    double achievedMicros() {
        long n = count();
        return n == 0 ? Double.NaN : elapsedNanos() / 1e3 / n;
    }

    private void run() {
        try {
            long next = System.nanoTime() + periodNanos;
            int k = 0;
            while (running) {
                while (System.nanoTime() - next < 0) {
                    if (!running) {
                        return;
                    }
                    Thread.onSpinWait();
                }
                vm.mm().migrate(hvas[k]);
                // A reader may have refreshed first (R7); either way the cache is valid again after this.
                caches[k].refresh(Guest.LEN);
                COUNT.setRelease(this, (long) COUNT.getOpaque(this) + 1);
                k = k + 1 == caches.length ? 0 : k + 1;
                next += periodNanos;
                long now = System.nanoTime();
                if (now - next > periodNanos) {
                    next = now + periodNanos;
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** Stops the thread and rethrows whatever stopped it early. */
    @Override
    public void close() {
        running = false;
        stopNanos = System.nanoTime();
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
            throw new IllegalStateException("background invalidator failed", failure);
        }
    }
}
