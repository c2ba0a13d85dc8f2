package org.pfncache.sync;

/**
 * One wait's reader-stall bookkeeping (Guard's reader-stall timeout): the waiter parks until the
 * next report is due (or its own deadline), reports, and after {@link #MAX_REPORTS} reports parks
 * without a timeout. A single timer per report, never a poll: the releasing side still wakes it.
 */
final class StallClock {
    static final int MAX_REPORTS = 3;
    private final long start = System.nanoTime();
    private final long stallNanos;
    private long nextReport;
    private int reports;

    /** {@code stallNanos} 0: never reports. */
    StallClock(long stallNanos) {
        this.stallNanos = stallNanos;
        this.nextReport = start + stallNanos;
    }

    /** The park deadline (System.nanoTime; 0 none) given the caller's own {@code deadline} (0 none). */
    long parkDeadline(long deadline) {
        long report = stallNanos > 0 && reports < MAX_REPORTS ? nextReport : 0;
        if (report == 0) {
            return deadline;
        }
        return deadline == 0 || report - deadline < 0 ? report : deadline;
    }

    /** True (once per interval, at most MAX_REPORTS times) when a report is due now. */
    boolean due() {
        if (stallNanos <= 0 || reports >= MAX_REPORTS || System.nanoTime() - nextReport < 0) {
            return false;
        }
        reports++;
        nextReport += stallNanos;
        return true;
    }

    long waitedMillis() {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** True when {@code deadline} (0: none) has passed. */
    static boolean expired(long deadline) {
        return deadline != 0 && System.nanoTime() - deadline >= 0;
    }

    /** A deadline {@code nanos} from now, never the reserved 0. */
    static long deadlineIn(long nanos) {
        long d = System.nanoTime() + Math.max(0, nanos);
        return d == 0 ? 1 : d;
    }
}
