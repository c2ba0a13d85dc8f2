package org.pfncache.guard;

/**
 * What lockdep knows about a lock class that a report prints: its wait types, as
 * {@code include/linux/lockdep_types.h} defines them without {@code CONFIG_PROVE_RAW_LOCK_NESTING}
 * ({@code LD_WAIT_INV} 0, {@code LD_WAIT_FREE} 1, {@code LD_WAIT_SPIN} 2,
 * {@code LD_WAIT_CONFIG} = {@code LD_WAIT_SPIN}, {@code LD_WAIT_SLEEP} 3). lockdep prints
 * {@code {OUTER:INNER}} with OUTER falling back to INNER when the class has none
 * ({@code class->wait_type_outer ?: class->wait_type_inner}), so every kind here already carries
 * the printed pair.
 *
 * <p>Kernels that enable {@code CONFIG_PROVE_RAW_LOCK_NESTING} (on with PROVE_LOCKING in recent
 * releases) print {@code spinlock_t}/{@code rwlock_t} as {@code {3:3}}, sleeping locks as
 * {@code {4:4}} and {@code rcu_read_lock} as {@code {1:3}}; this model does not.
 */
public enum LockType {
    /** {@code raw_spinlock_t}: LD_WAIT_SPIN. */
    RAW_SPINLOCK(2, 2),
    /** {@code spinlock_t}: LD_WAIT_CONFIG (= LD_WAIT_SPIN), also under PREEMPT_RT (spinlock_rt.c). */
    SPINLOCK(2, 2),
    /** {@code rwlock_t}: LD_WAIT_CONFIG, as spinlock_t. */
    RWLOCK(2, 2),
    /** {@code struct mutex} (rt_mutex under RT): LD_WAIT_SLEEP. */
    MUTEX(3, 3),
    /** {@code struct rw_semaphore} (e.g. {@code mmap_lock}): LD_WAIT_SLEEP. */
    RWSEM(3, 3),
    /**
     * A bare lockdep map ({@code lock_map_acquire} on e.g.
     * {@code __mmu_notifier_invalidate_range_start_map}, or an SRCU domain's {@code dep_map},
     * initialised with LD_WAIT_INV): never blocks, never changes preemption.
     */
    LOCKDEP_MAP(0, 0),
    /** {@code rcu_lock_map}: outer LD_WAIT_FREE, inner LD_WAIT_CONFIG. */
    RCU(1, 2);

    private final int outer;
    private final int inner;

    LockType(int outer, int inner) {
        this.outer = outer;
        this.inner = inner;
    }

    /** The wait type lockdep prints first ({@code wait_type_outer ?: wait_type_inner}). */
    public int outer() {
        return outer;
    }

    public int inner() {
        return inner;
    }
}
