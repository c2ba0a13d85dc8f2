package org.pfncache.sync;

import org.pfncache.guard.Guard;
import org.pfncache.guard.LockType;

/** {@code raw_spinlock_t}: never sleeps under any model; the holder is atomic (R13). */
public final class RawSpinLock extends KernelLock {
    public RawSpinLock(String name) {
        this(name, null);
    }

    public RawSpinLock(String name, Guard guard) {
        super(name, guard);
    }

    @Override
    public boolean sleeping() {
        return false;
    }

    @Override
    public boolean atomic() {
        return true;
    }

    @Override
    LockType lockType() {
        return LockType.RAW_SPINLOCK;
    }

    @Override
    String kindName() {
        return "raw_spinlock_t";
    }
}
