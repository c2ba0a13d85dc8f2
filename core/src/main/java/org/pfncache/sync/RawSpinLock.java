package org.pfncache.sync;

import org.pfncache.guard.Guard;

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
    String kindName() {
        return "raw_spinlock_t";
    }
}
