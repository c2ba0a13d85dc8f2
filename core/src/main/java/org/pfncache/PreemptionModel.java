package org.pfncache;

/**
 * The kernel's preemption model, which decides what a {@code spinlock_t} or {@code rwlock_t} is
 * (R13): under {@link #NONE} a spinning lock that makes its holder atomic, under {@link #RT} a
 * sleeping lock whose every acquisition, contended or not, counts as might-sleep.
 */
public enum PreemptionModel {
    /** CONFIG_PREEMPT_NONE: spinlock_t and rwlock_t spin and disable preemption. */
    NONE,
    /** CONFIG_PREEMPT_RT: spinlock_t and rwlock_t are rtmutex-based and may sleep. */
    RT
}
