package org.pfncache.host;

import java.util.concurrent.locks.Lock;

/**
 * How the host's plumbing locks (the page-table lock, the physical memory's bookkeeping lock)
 * are taken: briefly spinning on {@code tryLock()}, then {@code lock()}, which parks until the
 * holder's unlock wakes the thread. The same policy as the kernel-lock models'
 * {@code org.pfncache.sync.Backoff} (64 spins, 64 yields, then sleep). A JDK lock parks almost at
 * once, and on a virtual machine the wake-up that follows costs tens of microseconds, far more
 * than the holds here (a page migration's copy and switch: a few microseconds); the waits of
 * the simulated host then follow the same rule as those of the kernel-lock models.
 */
final class SpinThenPark {
    private static final int SPIN = 64;
    private static final int YIELD_UNTIL = 128;

    private SpinThenPark() {
    }

    static void lock(Lock lock) {
        if (lock.tryLock()) {
            return;
        }
        for (int step = 0; step < YIELD_UNTIL; step++) {
            if (step < SPIN) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            if (lock.tryLock()) {
                return;
            }
        }
        lock.lock();
    }
}
