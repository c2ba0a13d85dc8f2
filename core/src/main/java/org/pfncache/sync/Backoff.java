package org.pfncache.sync;

import java.util.concurrent.locks.LockSupport;

/**
 * How every primitive here waits: spin briefly, then yield, then park in short slices. On a
 * 2-core machine with more runnable threads than cores a pure spin can starve the very thread
 * it waits for, so waits always end up giving the core away.
 */
final class Backoff {
    private static final int SPIN = 64;
    private static final int YIELD = 128;
    private static final long PARK_NANOS = 20_000;

    private Backoff() {
    }

    /** One step of waiting; pass the number of steps taken so far. */
    static int pause(int step) {
        if (step < SPIN) {
            Thread.onSpinWait();
        } else if (step < YIELD) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(PARK_NANOS);
        }
        return step + 1;
    }
}
