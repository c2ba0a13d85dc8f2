package org.pfncache.stress.negative;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A test-only SRCU, the smallest with the real one's reader/updater handshake (core's
 * {@code org.pfncache.sync.Srcu} notes, kernel/rcu/srcutree.c): one reader slot, counters
 * {@code locks[2]}/{@code unlocks[2]}, an active index, and a grace period that waits for the
 * inactive index to drain (SCAN1), flips the index between two full fences, and waits for the old
 * index to drain (SCAN2). A scan loads the unlocks, then a full fence (A), then the locks.
 *
 * <p>The reader bumps {@code locks[idx]} and then, in the {@link Variant#CORRECT} variant, issues a
 * full fence (B, srcu_read_lock's smp_mb()). B pairs with A as store buffering: either the scan
 * sees the increment and waits, or the reader sees everything the updater stored before the grace
 * period. {@link Variant#READER_WITHOUT_FENCE} drops B: the increment can still sit in the store
 * buffer while the reader loads old data and the scan reads a zero count, so the grace period
 * ends under a reader that saw the pre-grace-period state.
 *
 * <p>One reader slot written by one thread (the reader actor), so plain increments through opaque
 * accesses suffice; the counters share one small array, as a compact model would lay them out.
 */
public final class SrcuModel {
    /** Whether the reader's full barrier after its increment is there. */
    public enum Variant { CORRECT, READER_WITHOUT_FENCE }

    private static final VarHandle IDX;
    /** One constant VarHandle for all counters (selecting one of several by index crashed C2 on JDK 17). */
    private static final VarHandle CTRS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int LOCKS = 0;
    private static final int UNLOCKS = 2;

    static {
        try {
            IDX = MethodHandles.lookup().findVarHandle(SrcuModel.class, "activeIdx", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final boolean readerFence;
    /** locks[0], locks[1], unlocks[0], unlocks[1]. */
    private final long[] ctrs = new long[4];
    @SuppressWarnings("unused") // accessed through IDX
    private int activeIdx;

    public SrcuModel(Variant variant) {
        this.readerFence = variant == Variant.CORRECT;
    }

    /** srcu_read_lock: the index, then the increment, then (correct variant) B. */
    public int readLock() {
        int idx = (int) IDX.getOpaque(this);
        CTRS.setOpaque(ctrs, LOCKS + idx, (long) CTRS.getOpaque(ctrs, LOCKS + idx) + 1);
        if (readerFence) {
            VarHandle.fullFence(); // B: pairs with A (store buffering)
        }
        return idx;
    }

    /** srcu_read_unlock: C, then the increment of the index the reader locked. */
    public void readUnlock(int idx) {
        VarHandle.fullFence(); // C: the section is ordered before the unlock count; pairs with A
        CTRS.setOpaque(ctrs, UNLOCKS + idx, (long) CTRS.getOpaque(ctrs, UNLOCKS + idx) + 1);
    }

    /** synchronize_srcu: SCAN1 on the inactive index, flip, SCAN2 on the old index. */
    public void synchronize() {
        VarHandle.fullFence(); // the caller's stores before the grace period's scans
        int old = (int) IDX.getOpaque(this);
        awaitDrained(old ^ 1);
        VarHandle.fullFence(); // E: SCAN1 before the flip
        IDX.setOpaque(this, old ^ 1);
        VarHandle.fullFence(); // D: the flip before SCAN2
        awaitDrained(old);
    }

    private void awaitDrained(int idx) {
        while (!drained(idx)) {
            Thread.onSpinWait();
        }
    }

    /** Unlocks first, then A, then locks: equal sums mean every counted reader has left. */
    private boolean drained(int idx) {
        long unlocks = (long) CTRS.getOpaque(ctrs, UNLOCKS + idx);
        VarHandle.fullFence(); // A
        long locks = (long) CTRS.getOpaque(ctrs, LOCKS + idx);
        return unlocks == locks;
    }
}
