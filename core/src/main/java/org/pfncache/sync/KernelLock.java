package org.pfncache.sync;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.pfncache.LockKind;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.guard.LockType;

/**
 * An exclusive kernel lock with R13 behaviour. Subclasses decide two things: whether an
 * acquisition counts as might-sleep ({@link #sleeping()}) and whether holding the lock makes the
 * holder atomic ({@link #atomic()}). The lock word is one int: bit 0 {@link #HELD}, bit 1
 * {@link #PARKED} (a waiter sleeps in {@link #waiters}).
 *
 * <p>Waiting: a contended acquisition spins briefly ({@link Backoff}), then parks without a timeout
 * until {@link #unlock()} wakes it ({@link WaitQueue}'s protocol, with PARKED in this word). An
 * interrupt neither ends the wait nor turns it into a spin; the acquirer gets its interrupt status
 * back once it holds the lock. (A raw spinlock parks too: in the simulation a waiter that sleeps
 * is only cheaper, and the guard's view, what counts as might-sleep, is decided before waiting.)
 *
 * <p>Ordering: the acquiring CAS has acquire semantics and {@link #unlock()}'s getAndSet is a
 * volatile (hence release) read-modify-write; they pair with each other, so everything written
 * under the lock happens-before the next holder's critical section. unlock() is an RMW rather
 * than a store so that it reads PARKED atomically with freeing the lock (WaitQueue's
 * no-lost-wake-up argument). No thread reads data protected by the lock without holding it.
 */
public abstract class KernelLock {
    private static final VarHandle STATE;
    static final int HELD = 1;
    static final int PARKED = 2;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(KernelLock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    final Guard guard;
    private final boolean tracking;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    /** Written by the holder only, read for diagnostics and ownership checks. */
    private Thread owner;
    /** Where contended acquirers sleep; see the class comment. */
    private final WaitQueue waiters = new WaitQueue();

    KernelLock(String name, Guard guard) {
        this.name = requireName(name);
        this.guard = guard == null ? Guard.processDefault() : guard;
        this.tracking = this.guard.tracking();
    }

    static String requireName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("lock name must be non-blank, got " + (name == null ? "null" : "'" + name + "'"));
        }
        return name;
    }

    /** A {@code spinlock_t} or a {@code raw_spinlock_t}, as the kind says. */
    public static KernelLock of(LockKind kind, String name, Guard guard) {
        return switch (kind) {
            case SPINLOCK -> new SpinLock(name, guard);
            case RAW_SPINLOCK -> new RawSpinLock(name, guard);
        };
    }

    public final String name() {
        return name;
    }

    /** True when an acquisition counts as might-sleep in this lock's domain. */
    public abstract boolean sleeping();

    /** True when holding this lock disables preemption. */
    public abstract boolean atomic();

    public final void lock() {
        lock(null);
    }

    /** lockdep's class kind for this lock (its printed wait types). */
    abstract LockType lockType();

    /**
     * The RT lock primitive when an acquisition is {@code rt_spin_lock()} (a spinlock_t under
     * PREEMPT_RT), else null.
     */
    String rtPrimitive() {
        return null;
    }

    /**
     * Takes the lock; {@code site} is recorded in the held-lock list that reports print (lockdep's
     * "at:"; null: the innermost {@link ContextGuard#enterFunction entered function}).
     *
     * <p>With tracking on, the order is the kernel's for each kind. An RT spinlock_t
     * ({@code rt_spin_lock}): lockdep records the lock, then {@code rtlock_might_resched()} checks
     * with the thread's own RCU nesting expected (so the lock being acquired is in the report's
     * list, and nesting in another RT lock is fine), then the lock is taken, then
     * {@code rcu_read_lock(); migrate_disable()}. A mutex ({@code mutex_lock}): might_sleep first,
     * then lockdep, so the mutex is not in its own report. Spinning locks: taken, recorded,
     * preemption off. If the check throws (THROW policy), the lockdep record is undone and nothing
     * is taken.
     */
    public final void lock(String site) {
        if (!tracking) {
            acquireWord();
            owner = Thread.currentThread();
            return;
        }
        String rt = rtPrimitive();
        if (rt != null) {
            ContextGuard.lockdepPush(this, name, site, lockType());
            try {
                guard.rtLockMightResched(name, org.pfncache.guard.KernelSites.RT_SPIN_LOCK, rt);
            } catch (RuntimeException | Error e) {
                ContextGuard.lockdepRelease(this); // the report threw: leave nothing half-recorded
                throw e;
            }
            acquireWord();
            owner = Thread.currentThread();
            ContextGuard.rtLockTaken(this, rt);
            return;
        }
        if (sleeping()) {
            guard.mightSleepAt(name, guard.sleepingSpinlocks() ? org.pfncache.guard.KernelSites.RT_MUTEX_LOCK
                    : org.pfncache.guard.KernelSites.MUTEX_LOCK, "mutex_lock");
        }
        acquireWord();
        owner = Thread.currentThread();
        ContextGuard.acquired(this, name, site, lockType(), atomic());
    }

    private void acquireWord() {
        // Acquire CAS: pairs with the getAndSet in unlock() (see class comment).
        if (!STATE.weakCompareAndSetAcquire(this, 0, HELD)) {
            acquireSlow();
        }
    }

    /** Spins, then parks until unlock() wakes it; uninterruptible, the interrupt kept for the caller. */
    private void acquireSlow() {
        int step = 0;
        boolean interrupted = false;
        Thread me = Thread.currentThread();
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & HELD) == 0) {
                // Acquire CAS, keeping PARKED for the others still asleep: pairs with unlock().
                if (STATE.compareAndSet(this, s, s | HELD)) {
                    break;
                }
                continue;
            }
            if (Backoff.spinning(step)) {
                step = Backoff.pause(step);
                continue;
            }
            interrupted |= parkWhileHeld(me);
        }
        if (interrupted) {
            me.interrupt();
        }
    }

    /**
     * One sleep of WaitQueue's protocol: register, re-read the word, and park only if it is still
     * held and PARKED is (now) set, so that the unlock that clears PARKED sees the registration.
     * Returns whether an interrupt was seen (and cleared).
     */
    private boolean parkWhileHeld(Thread me) {
        return parkWhileHeld(me, 0);
    }

    /** As {@link #parkWhileHeld(Thread)}, waking by itself at {@code deadline} (0: never). */
    private boolean parkWhileHeld(Thread me, long deadline) {
        boolean interrupted = false;
        waiters.register(me);
        int s = (int) STATE.getVolatile(this); // after registering: see WaitQueue
        if ((s & HELD) != 0 && ((s & PARKED) != 0 || STATE.compareAndSet(this, s, s | PARKED))) {
            interrupted = WaitQueue.parkUninterruptibly(this, deadline); // woken by unlock()'s wakeAll
        }
        waiters.unregister(me);
        return interrupted;
    }

    /**
     * Waits, without taking it, until the lock is free once (SeqCount's readers wait for a writer
     * this way); spins, then parks as an acquirer does. Never counts as might-sleep: callers decide.
     */
    void awaitUnlocked() {
        int step = 0;
        boolean interrupted = false;
        Thread me = Thread.currentThread();
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & HELD) == 0) {
                break;
            }
            if (Backoff.spinning(step)) {
                step = Backoff.pause(step);
                continue;
            }
            interrupted |= parkWhileHeld(me);
        }
        if (interrupted) {
            me.interrupt();
        }
    }

    /**
     * Takes the lock within {@code timeoutNanos} (spinning, then parking as {@link #lock(String)}
     * does), else gives up: false, nothing taken and nothing recorded. Like {@link #tryLock(String)}
     * it does not count as might-sleep. For {@code Vm.close()}, which must finish in bounded time.
     */
    public final boolean tryLock(String site, long timeoutNanos) {
        if (tryLock(site)) {
            return true;
        }
        long deadline = StallClock.deadlineIn(timeoutNanos);
        int step = 0;
        boolean interrupted = false;
        Thread me = Thread.currentThread();
        try {
            for (;;) {
                int s = (int) STATE.getVolatile(this);
                if ((s & HELD) == 0) {
                    if (tryLock(site)) {
                        return true;
                    }
                    continue;
                }
                if (StallClock.expired(deadline)) {
                    return false;
                }
                if (Backoff.spinning(step)) {
                    step = Backoff.pause(step);
                } else {
                    interrupted |= parkWhileHeld(me, deadline);
                }
            }
        } finally {
            if (interrupted) {
                me.interrupt();
            }
        }
    }

    /** The holder's name, for diagnostics (null when free; racy). */
    public final String ownerName() {
        Thread t = owner;
        return t == null ? null : t.getName();
    }

    /** Never sleeps, so it never counts as might-sleep (rt_spin_trylock, mutex_trylock). */
    public final boolean tryLock() {
        return tryLock(null);
    }

    public final boolean tryLock(String site) {
        // Acquire CAS, pairs with the getAndSet in unlock().
        int s = (int) STATE.getOpaque(this);
        if ((s & HELD) != 0 || !STATE.compareAndSet(this, s, s | HELD)) {
            return false;
        }
        owner = Thread.currentThread();
        if (tracking) {
            String rt = rtPrimitive();
            if (rt != null) {
                // rt_spin_trylock: spin_acquire, rcu_read_lock, migrate_disable; no might-sleep.
                ContextGuard.lockdepPush(this, name, site, lockType());
                ContextGuard.rtLockTaken(this, rt);
            } else {
                ContextGuard.acquired(this, name, site, lockType(), atomic());
            }
        }
        return true;
    }

    public final void unlock() {
        if (owner != Thread.currentThread()) {
            throw new IllegalMonitorStateException(kindName() + " '" + name + "' unlocked by "
                    + Thread.currentThread().getName() + ", which does not hold it");
        }
        owner = null;
        if (tracking) {
            if (rtPrimitive() != null) {
                ContextGuard.rtLockReleased(this);
            } else {
                ContextGuard.released(this, atomic());
            }
        }
        // Volatile RMW: releases the critical section (pairs with the acquire CAS in lock() and
        // tryLock()) and reads PARKED atomically with the release (WaitQueue's protocol).
        if (((int) STATE.getAndSet(this, 0) & PARKED) != 0) {
            waiters.wakeAll(); // pairs with the park in acquireSlow()/awaitUnlocked()
        }
    }

    public final boolean isLocked() {
        return ((int) STATE.getOpaque(this) & HELD) != 0;
    }

    public final boolean isHeldByCurrentThread() {
        return owner == Thread.currentThread();
    }

    abstract String kindName();

    @Override
    public String toString() {
        return kindName() + "(" + name + ")";
    }
}
