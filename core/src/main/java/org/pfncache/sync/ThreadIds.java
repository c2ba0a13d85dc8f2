package org.pfncache.sync;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Thread ids as slot owners: {@link Srcu}'s owned reader slots and {@link RwLock}'s reader
 * records both let a thread that finds its own {@code Thread.getId()} in a slot's owner cell
 * write that slot without an atomic read-modify-write. That is sound only if no two live threads
 * report one id: the JVM's ids are never reused, but {@code Thread.getId()} is not final before
 * Java 19, and a subclass that overrides it could give two threads one id. Threads of such a
 * class never own a slot; callers send them down their shared (atomic) path instead.
 */
final class ThreadIds {
    private static final VarHandle OWNERS = MethodHandles.arrayElementVarHandle(Thread[].class);
    private static final ClassValue<Boolean> TRUE_IDS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("getId").getDeclaringClass() == Thread.class;
            } catch (NoSuchMethodException e) {
                return false;
            }
        }
    };

    private ThreadIds() {
    }

    /** True when {@code t}'s class reports the JVM's own id (it does not override getId()). */
    static boolean mayOwnSlots(Thread t) {
        return TRUE_IDS.get(t.getClass());
    }

    /**
     * Makes {@code me} the owner of {@code owners[i]} if that slot is free or its owner has died
     * and {@code me} may own slots; false otherwise. The caller then mirrors {@code me}'s id in
     * its own owner cell, the one its read side tests.
     */
    static boolean claim(Thread[] owners, int i, Thread me) {
        Thread owner = (Thread) OWNERS.getVolatile(owners, i);
        // A live owner: the common case of a thread that must share, decided in one load. A dead
        // owner writes nothing any more (isAlive() false orders its last writes before ours);
        // what it left in the slot stays there.
        if (owner != null && owner.isAlive()) {
            return false;
        }
        // Volatile CAS: one claimer wins a free slot (I3: a slot written by two threads would
        // lose its counts or its held lock).
        return mayOwnSlots(me) && OWNERS.compareAndSet(owners, i, owner, me);
    }

    /** The owner recorded in {@code owners[i]}, or null (diagnostics). */
    static Thread owner(Thread[] owners, int i) {
        return (Thread) OWNERS.getOpaque(owners, i);
    }
}
