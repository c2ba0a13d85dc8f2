package org.pfncache;

import java.util.function.Supplier;
import org.pfncache.guard.Guard;

/** What a strategy's protection may use from its Vm. */
public interface ProtectionContext {
    /** The Vm's guard domain: give it to every lock the protection makes. */
    Guard guard();

    /** A name for the cache, for lock names and diagnostics. */
    String cacheName();

    /**
     * A resource shared by every cache of the Vm (e.g. {@code kvm->srcu}), made on first use;
     * if it is {@link AutoCloseable} the Vm closes it when it closes.
     */
    <T> T shared(Class<T> type, Supplier<T> factory);
}
