package org.pfncache.sync;

/**
 * The spinning half of every wait here: a waiter first spins ({@link Thread#onSpinWait()}), then
 * yields, for a bounded number of steps; after that it must sleep where the releasing side will
 * wake it ({@link WaitQueue}), never in timed slices. On a 2-core machine with more runnable
 * threads than cores a pure spin can starve the very thread it waits for, hence the yields, and a
 * long wait must cost no CPU, hence the park.
 */
final class Backoff {
    private static final int SPIN = 64;
    /** Steps after which a waiter stops spinning and parks. */
    static final int PARK_AFTER = 128;

    private Backoff() {
    }

    /** True while a waiter at {@code step} should still spin (then call {@link #pause}). */
    static boolean spinning(int step) {
        return step < PARK_AFTER;
    }

    /**
     * One step of spinning; pass the number of steps taken so far. Past {@link #PARK_AFTER} it
     * only yields: callers whose waits may last use {@link #spinning} and then park instead.
     */
    static int pause(int step) {
        if (step < SPIN) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
        return step + 1;
    }
}
