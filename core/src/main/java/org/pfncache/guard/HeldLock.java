package org.pfncache.guard;

/** One entry of a thread's held-lock list: the lock's name and where it was taken. */
record HeldLock(Object lock, String name, String site) {
    @Override
    public String toString() {
        return site == null ? name : name + " at " + site;
    }
}
