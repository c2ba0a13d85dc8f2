package org.pfncache.sync;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;

/**
 * {@code rwlock_t} with R13 behaviour: under PREEMPT_NONE both sides spin and make the holder
 * atomic; under PREEMPT_RT both sides are sleeping locks and every acquisition counts as
 * might-sleep.
 *
 * <p>Algorithm: one int word. Bits 0..28 count readers, {@link #WAITING} is set by a writer that
 * has claimed the lock and waits for readers to drain (new readers back off, so writers are not
 * starved, as qrwlock does for process-context readers), {@link #WRITER} marks the held write
 * side. Writers therefore take the lock in two steps: claim WAITING, then turn WAITING into
 * WRITER once the reader count is zero.
 *
 * <p>Ordering: every acquisition is an acquire CAS and every release a release operation
 * ({@code getAndAddRelease} for readers, {@code setRelease} for the writer); each acquire pairs
 * with the releases of the previous holders, so a reader sees everything the last writer wrote
 * and a writer sees everything written before the readers it drained left.
 */
public final class RwLock {
    private static final VarHandle STATE;
    private static final int WRITER = 1 << 30;
    private static final int WAITING = 1 << 29;
    private static final int READERS = WAITING - 1;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(RwLock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final String readSite;
    private final String writeSite;
    private final Guard guard;
    private final boolean tracking;
    private final boolean sleeping;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    private Thread writer;

    public RwLock(String name) {
        this(name, null);
    }

    public RwLock(String name, Guard guard) {
        this.name = KernelLock.requireName(name);
        this.readSite = name + " (read)";
        this.writeSite = name + " (write)";
        this.guard = guard == null ? Guard.processDefault() : guard;
        this.tracking = this.guard.tracking();
        this.sleeping = this.guard.sleepingSpinlocks();
    }

    public String name() {
        return name;
    }

    /** True under PREEMPT_RT: acquisitions count as might-sleep. */
    public boolean sleeping() {
        return sleeping;
    }

    public void readLock() {
        readLock(null);
    }

    public void readLock(String site) {
        if (tracking && sleeping) {
            guard.mightSleep(readSite);
        }
        int s = (int) STATE.getOpaque(this);
        // Acquire CAS: pairs with writeUnlock's setRelease (R3 readers see the last writer's state).
        if ((s & (WRITER | WAITING)) != 0 || !STATE.weakCompareAndSetAcquire(this, s, s + 1)) {
            slowReadLock();
        }
        if (tracking) {
            ContextGuard.acquired(this, readSite, site, !sleeping);
        }
    }

    private void slowReadLock() {
        int step = 0;
        for (;;) {
            int s = (int) STATE.getOpaque(this);
            if ((s & (WRITER | WAITING)) == 0) {
                if ((s & READERS) == READERS) {
                    throw new IllegalStateException("rwlock_t '" + name + "': too many readers");
                }
                if (STATE.weakCompareAndSetAcquire(this, s, s + 1)) {
                    return;
                }
            }
            step = Backoff.pause(step);
        }
    }

    public boolean tryReadLock() {
        int s = (int) STATE.getOpaque(this);
        if ((s & (WRITER | WAITING)) != 0 || !STATE.compareAndSet(this, s, s + 1)) {
            return false;
        }
        if (tracking) {
            ContextGuard.acquired(this, readSite, null, !sleeping);
        }
        return true;
    }

    public void readUnlock() {
        if (tracking) {
            ContextGuard.released(this, !sleeping);
        }
        // Release: the reader's accesses happen-before a writer's acquire that sees the count drop.
        int prev = (int) STATE.getAndAddRelease(this, -1);
        if ((prev & READERS) == 0) {
            STATE.getAndAdd(this, 1);
            throw new IllegalMonitorStateException("rwlock_t '" + name + "': read_unlock without read_lock");
        }
    }

    public void writeLock() {
        writeLock(null);
    }

    public void writeLock(String site) {
        if (tracking && sleeping) {
            guard.mightSleep(writeSite);
        }
        // Fast path: an idle lock goes straight to WRITER. Acquire CAS pairs with the release
        // of the previous holder(s).
        if (!STATE.compareAndSet(this, 0, WRITER)) {
            slowWriteLock();
        }
        writer = Thread.currentThread();
        if (tracking) {
            ContextGuard.acquired(this, writeSite, site, !sleeping);
        }
    }

    private void slowWriteLock() {
        int step = 0;
        // Step 1: claim WAITING so that new readers back off.
        for (;;) {
            int s = (int) STATE.getOpaque(this);
            if ((s & (WRITER | WAITING)) == 0 && STATE.weakCompareAndSet(this, s, s | WAITING)) {
                break;
            }
            step = Backoff.pause(step);
        }
        // Step 2: wait for the readers to drain; acquire pairs with their getAndAddRelease.
        step = 0;
        while (!STATE.weakCompareAndSetAcquire(this, WAITING, WRITER)) {
            step = Backoff.pause(step);
        }
    }

    /** Never sleeps and never counts as might-sleep: used where blocking is not allowed (R10). */
    public boolean tryWriteLock() {
        return tryWriteLock(null);
    }

    public boolean tryWriteLock(String site) {
        if ((int) STATE.getOpaque(this) != 0 || !STATE.compareAndSet(this, 0, WRITER)) {
            return false;
        }
        writer = Thread.currentThread();
        if (tracking) {
            ContextGuard.acquired(this, writeSite, site, !sleeping);
        }
        return true;
    }

    public void writeUnlock() {
        if (writer != Thread.currentThread()) {
            throw new IllegalMonitorStateException("rwlock_t '" + name + "' write-unlocked by "
                    + Thread.currentThread().getName() + ", which does not hold the write side");
        }
        writer = null;
        if (tracking) {
            ContextGuard.released(this, !sleeping);
        }
        // Release store: pairs with the acquire CAS of the next reader or writer.
        STATE.setRelease(this, 0);
    }

    public boolean isWriteLocked() {
        return ((int) STATE.getOpaque(this) & WRITER) != 0;
    }

    public boolean isWriteLockedByCurrentThread() {
        return writer == Thread.currentThread();
    }

    public int readers() {
        return (int) STATE.getOpaque(this) & READERS;
    }

    @Override
    public String toString() {
        return "rwlock_t(" + name + ")";
    }
}
