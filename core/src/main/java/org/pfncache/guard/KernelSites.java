package org.pfncache.guard;

/**
 * The kernel's FILE:LINE for the might-sleep checks this model reproduces, i.e. what
 * {@code __might_resched()} prints after "invalid context at". Lines are those of the mainline
 * sources the constants name; see each.
 */
public final class KernelSites {
    private KernelSites() {
    }

    /**
     * {@code rtlock_might_resched()} in {@code __rt_spin_lock()} (rt_spin_lock and its
     * _nested/_nest_lock variants); line 48 in mainline spinlock_rt.c (checked at torvalds/linux
     * 6f47c7ae8c7a), matching the seed splat.
     */
    public static final String RT_SPIN_LOCK = "kernel/locking/spinlock_rt.c:48";
    /** {@code rtlock_might_resched()} in {@code rt_read_lock()}: line 230, same file and commit. */
    public static final String RT_READ_LOCK = "kernel/locking/spinlock_rt.c:230";
    /** {@code rtlock_might_resched()} in {@code rt_write_lock()}: line 240, same file and commit. */
    public static final String RT_WRITE_LOCK = "kernel/locking/spinlock_rt.c:240";
    /**
     * {@code might_sleep()} in PREEMPT_RT's {@code __mutex_lock_common()} (mutex_lock and
     * mutex_lock_nested): the line real v6.3-rt splats print ("RCU nest depth: 2, expected: 0" at
     * rtmutex_api.c:510). Not re-counted against a newer tree.
     */
    public static final String RT_MUTEX_LOCK = "kernel/locking/rtmutex_api.c:510";
    /**
     * {@code might_sleep()} in {@code __mutex_lock_common()} of kernel/locking/mutex.c (non-RT,
     * lockdep on: mutex_lock_nested). The line moves between releases (562, 577, 580, 585 in 6.x
     * splats); 585 is one observed 6.x value, not re-counted against mainline.
     */
    public static final String MUTEX_LOCK = "kernel/locking/mutex.c:585";
}
