package org.pfncache.sync;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Where the waiters of one primitive sleep once spinning is over: a futex in Java. The
 * primitive's atomic word carries a PARKED bit (each primitive picks it); the protocol is the
 * same everywhere and is explained once, here.
 *
 * <p>Waiter: {@link #register} itself, <em>then</em> read the word; if it is still busy, make sure
 * PARKED is set (already set, or set by a CAS from the value just read, which fails if the word
 * changed meanwhile, and then the waiter re-tests instead of parking), then
 * {@link #parkUninterruptibly} (no timeout), then {@link #unregister} and re-test.
 * Releaser: change the word with a volatile read-modify-write that also clears PARKED; if the old
 * word had PARKED, {@link #wakeAll}. Why no wake-up is lost: the waiter registers before it reads
 * PARKED set (or sets it); the releaser's RMW that clears PARKED comes after that read in the
 * word's order, and the releaser walks the queue after its RMW, so it sees the registration
 * (volatile accesses are sequentially consistent). If the release came before the waiter's read,
 * the waiter sees the word free and does not park. A waiter woken by someone else's release (all
 * are woken) re-tests and, if still blocked, sets PARKED again: PARKED is only ever cleared by a
 * releaser that then wakes everyone registered. Unparking a thread that has not parked yet is
 * kept as its permit, so its park returns at once.
 *
 * <p>Waits are uninterruptible, as the kernel's are: an interrupt wakes the parked thread, which
 * clears the status ({@link #parkUninterruptibly} reports that it saw one), re-tests and parks
 * again; the caller restores the status when its wait is over. Without the clear, park() would
 * return at once forever and the wait would become a spin.
 */
final class WaitQueue {
    private final ConcurrentLinkedQueue<Thread> waiters = new ConcurrentLinkedQueue<>();

    /** Step 1 of a waiter, before it sets PARKED. */
    void register(Thread t) {
        waiters.add(t);
    }

    /** After the waiter woke (or decided not to park). */
    void unregister(Thread t) {
        waiters.remove(t);
    }

    /**
     * Parks the calling thread without a timeout (the releaser unparks it, {@link #wakeAll});
     * returns true if it was interrupted, after clearing the status so the next park sleeps.
     */
    static boolean parkUninterruptibly(Object blocker) {
        LockSupport.park(blocker);
        return Thread.interrupted();
    }

    /**
     * As {@link #parkUninterruptibly(Object)}, but wakes by itself at {@code deadline}
     * (System.nanoTime; 0: never), for a caller that must report a stall or give up then.
     */
    static boolean parkUninterruptibly(Object blocker, long deadline) {
        if (deadline == 0) {
            LockSupport.park(blocker);
        } else {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                LockSupport.parkNanos(blocker, left);
            }
        }
        return Thread.interrupted();
    }

    /** A releaser that cleared PARKED: wakes every registered waiter (they re-test). */
    void wakeAll() {
        for (Thread t : waiters) {
            LockSupport.unpark(t);
        }
    }

    boolean hasWaiters() {
        return !waiters.isEmpty();
    }
}
