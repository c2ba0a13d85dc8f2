package org.pfncache.sync;

/**
 * Thread ids as slot owners: {@link Srcu}'s owned reader slots and {@link RwLock}'s reader
 * records both let a thread that finds its own {@code Thread.getId()} in a slot's owner cell
 * write that slot without an atomic read-modify-write. That is sound only if no two live threads
 * report one id: the JVM's ids are never reused, but {@code Thread.getId()} is not final before
 * Java 19, and a subclass that overrides it could give two threads one id. Threads of such a
 * class never own a slot; callers send them down their shared (atomic) path instead.
 */
final class ThreadIds {
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
}
