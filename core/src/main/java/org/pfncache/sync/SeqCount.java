package org.pfncache.sync;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;

/**
 * {@code seqcount_LOCKNAME_t}: a sequence counter whose writers are serialised by an associated
 * {@link KernelLock} ({@code seqcount_spinlock_t}, {@code seqcount_raw_spinlock_t},
 * {@code seqcount_mutex_t}).
 *
 * <p><b>Algorithmic notes.</b> The count is even while no write section is open. A writer, holding
 * the associated lock, makes it odd, then stores the protected data, then makes it even again. A
 * reader takes an even snapshot with {@link #readBegin()}, loads the data, and accepts the loads
 * only if {@link #readRetry(int)} finds the count unchanged; otherwise it loops. Two fence pairs
 * make this sound: the writer's store-store fence after the odd increment with the reader's
 * load-load fence before the re-read (a reader that saw any of the section's stores sees the odd or a
 * later count), and the release store of the even count with the acquire load in readBegin (a
 * reader that starts after a section sees all of its stores). Protected data must be read and
 * written with at least opaque access for this to hold under the Java memory model, as the kernel
 * requires READ_ONCE/WRITE_ONCE for racing accesses.
 *
 * <p>The count is a 32-bit int that wraps; it is only ever compared with {@code ==}/{@code !=}
 * and tested for parity, both of which survive the wrap. As in the kernel, a reader stalled across
 * exactly 2^31 write sections would accept torn data.
 *
 * <p><b>Waiting for a writer.</b> As seqlock.h does: under PREEMPT_RT, when the associated lock is
 * a sleeping lock (a {@code spinlock_t} under RT, or a mutex), the writer may have been preempted
 * inside its section, so a reader that sees an odd count does not spin but takes and releases the
 * associated lock to wait for the writer (this counts as might-sleep), then re-reads. In every
 * other case (a raw spinlock; any lock outside RT) the reader spins as the kernel's does: a
 * spinning writer is non-preemptible, and outside RT a mutex-backed writer disables preemption
 * for the length of its section, which this class reproduces in the thread's context. Past a
 * brief spin ({@link Backoff}) the simulation parks until the writer's lock is free (the writer
 * holds it for the whole section, and its unlock wakes parked waiters): it never counts as
 * might-sleep, and a reader stuck behind a stalled writer costs no CPU.
 */
public final class SeqCount {
    private static final VarHandle SEQUENCE;

    static {
        try {
            SEQUENCE = MethodHandles.lookup().findVarHandle(SeqCount.class, "sequence", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final KernelLock lock;
    /** PREEMPT_RT and a sleeping lock: readers wait for a writer by lock+unlock, as seqlock.h. */
    private final boolean readersWaitOnLock;
    /** A mutex outside PREEMPT_RT: write sections run with preemption disabled, as seqlock.h. */
    private final boolean writerDisablesPreemption;
    @SuppressWarnings("unused") // accessed through SEQUENCE
    private int sequence;
    /** Whether the open write section disabled preemption; the writer's own, under the lock. */
    private boolean writerPreemptDisabled;

    /** A sequence counter whose writers are serialised by {@code associatedLock}. */
    public SeqCount(KernelLock associatedLock) {
        this(associatedLock, 0);
    }

    /** For tests: starts the count at {@code initialSequence} (even), e.g. just below the wrap. */
    SeqCount(KernelLock associatedLock, int initialSequence) {
        if (associatedLock == null) {
            throw new IllegalArgumentException("seqcount needs an associated lock, got null");
        }
        if ((initialSequence & 1) != 0) {
            throw new IllegalArgumentException("initial sequence must be even, got " + initialSequence);
        }
        Guard guard = associatedLock.guard;
        this.lock = associatedLock;
        this.readersWaitOnLock = associatedLock.sleeping() && guard.sleepingSpinlocks();
        this.writerDisablesPreemption = associatedLock instanceof Mutex && !guard.sleepingSpinlocks();
        this.sequence = initialSequence;
    }

    public KernelLock associatedLock() {
        return lock;
    }

    /** {@code read_seqcount_begin()}: an even count to hand to {@link #readRetry(int)}. */
    public int readBegin() {
        // Acquire: pairs with writeEnd's release store; the section's loads see that writer's stores.
        int seq = (int) SEQUENCE.getAcquire(this);
        if ((seq & 1) == 0) {
            return seq;
        }
        return readBeginSlow(); // out of line: the read path stays small enough to inline
    }

    /** A write section is open: wait for the writer (class comment), then take an even count. */
    private int readBeginSlow() {
        int step = 0;
        for (;;) {
            // Acquire: pairs with writeEnd's release store; the section's loads see that writer's stores.
            int seq = (int) SEQUENCE.getAcquire(this);
            if ((seq & 1) == 0) {
                return seq;
            }
            if (lock.isHeldByCurrentThread()) {
                throw new IllegalStateException("read_seqcount_begin inside this thread's own write section of "
                        + lock + " would wait for itself forever");
            }
            if (readersWaitOnLock) {
                lock.lock("read_seqcount_begin");
                lock.unlock();
            } else if (Backoff.spinning(step)) {
                step = Backoff.pause(step);
            } else {
                // Parks until the writer's unlock wakes it (KernelLock's protocol); then re-read.
                lock.awaitUnlocked();
            }
        }
    }

    /** {@code read_seqcount_retry()}: true if a writer intervened since {@code start}; then loop. */
    public boolean readRetry(int start) {
        // smp_rmb(): the section's loads complete before the re-read; pairs with writeBegin's storeStoreFence.
        VarHandle.loadLoadFence();
        return (int) SEQUENCE.getOpaque(this) != start;
    }

    /** {@code write_seqcount_begin()}: the caller holds the associated lock. */
    public void writeBegin() {
        requireLockHeld("writeBegin");
        // Opaque suffices: only holders of the lock write the count, and the lock orders them.
        int seq = (int) SEQUENCE.getOpaque(this);
        if ((seq & 1) != 0) {
            throw new IllegalStateException("seqcount of " + lock + ": writeBegin while a write section is"
                    + " open (sequence " + seq + "; nested, or an earlier writer unlocked without writeEnd)");
        }
        if (writerDisablesPreemption && lock.guard.tracking()) {
            ContextGuard.preemptDisable();
            writerPreemptDisabled = true;
        }
        SEQUENCE.setOpaque(this, seq + 1);
        // smp_wmb(): the odd count is visible before any of the section's stores; pairs with readRetry's loadLoadFence.
        VarHandle.storeStoreFence();
    }

    /** {@code write_seqcount_end()}: closes the section opened by {@link #writeBegin()}. */
    public void writeEnd() {
        requireLockHeld("writeEnd");
        int seq = (int) SEQUENCE.getOpaque(this);
        if ((seq & 1) == 0) {
            throw new IllegalStateException("seqcount of " + lock + ": writeEnd without an open write section"
                    + " (sequence " + seq + ")");
        }
        // Release: the section's stores are visible before the even count; pairs with readBegin's getAcquire.
        SEQUENCE.setRelease(this, seq + 1);
        if (writerPreemptDisabled) {
            writerPreemptDisabled = false;
            ContextGuard.preemptEnable();
        }
    }

    /** The raw count (odd while a write section is open); for diagnostics. */
    public int sequence() {
        return (int) SEQUENCE.getOpaque(this);
    }

    private void requireLockHeld(String op) {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("seqcount " + op + " by " + Thread.currentThread().getName()
                    + " without holding its associated lock " + lock);
        }
    }

    @Override
    public String toString() {
        return "seqcount(" + lock + ", sequence " + sequence() + ")";
    }
}
