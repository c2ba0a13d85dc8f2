package org.pfncache.sync;

import org.pfncache.guard.Guard;
import org.pfncache.guard.LockType;

/** {@code struct mutex}: always might-sleep, never makes the holder atomic (R13). */
public final class Mutex extends KernelLock {
    public Mutex(String name) {
        this(name, null);
    }

    public Mutex(String name, Guard guard) {
        super(name, guard);
    }

    @Override
    public boolean sleeping() {
        return true;
    }

    @Override
    public boolean atomic() {
        return false;
    }

    @Override
    LockType lockType() {
        return LockType.MUTEX;
    }

    @Override
    String kindName() {
        return "mutex";
    }
}
