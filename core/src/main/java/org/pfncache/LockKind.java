package org.pfncache;

/** The kind of the Vm's notifier-path locks, {@code mn_invalidate_lock} and {@code gpc_lock}. */
public enum LockKind {
    /** {@code spinlock_t}, as KVM has them today: sleeps under PREEMPT_RT. */
    SPINLOCK,
    /** {@code raw_spinlock_t}: never sleeps, makes the holder atomic under every model. */
    RAW_SPINLOCK
}
