package org.pfncache.sync;

import org.pfncache.guard.Guard;
import org.pfncache.guard.LockType;

/**
 * {@code spinlock_t}: under PREEMPT_NONE a spinning lock whose holder is atomic; under
 * PREEMPT_RT a sleeping lock, every acquisition of which counts as might-sleep and whose holder
 * stays preemptible (R13).
 */
public final class SpinLock extends KernelLock {
    private final boolean sleeping;

    public SpinLock(String name) {
        this(name, null);
    }

    public SpinLock(String name, Guard guard) {
        super(name, guard);
        this.sleeping = this.guard.sleepingSpinlocks();
    }

    @Override
    public boolean sleeping() {
        return sleeping;
    }

    @Override
    public boolean atomic() {
        return !sleeping;
    }

    @Override
    LockType lockType() {
        return LockType.SPINLOCK;
    }

    @Override
    String rtPrimitive() {
        return sleeping ? "rt_spin_lock" : null;
    }

    @Override
    String kindName() {
        return "spinlock_t";
    }
}
