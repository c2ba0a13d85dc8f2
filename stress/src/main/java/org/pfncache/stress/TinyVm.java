package org.pfncache.stress;

import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.Vm;

/**
 * The smallest Vm a jcstress state can afford, since every state builds its own: 8 pages of
 * physical memory, a 2-page VMA at {@link #HVA} with memslot 0 over it (gfn i at hva
 * {@code HVA + i * PAGE}), guard OFF (the guard is not under test here and costs a thread-local
 * walk per lock).
 *
 * <p>Threads: an SRCU or SEQCOUNT Vm starts its reclaimer thread on the first deferred unmap
 * ({@code Srcu.call}, made when a refresh or deactivate retires a mapping). A state whose actors
 * retire a mapping must {@link Vm#close() close} its Vm in the arbiter, which joins that thread;
 * a state whose actors never retire one is left to the garbage collector (closing it would retire
 * the live mapping and start the thread just to stop it).
 */
public final class TinyVm {
    public static final long HVA = 0x7f00_0000_0000L;
    public static final int PAGES = 2;
    public static final int PHYSICAL_PAGES = 8;
    public static final int PAGE = PfnCache.PAGE_SIZE;

    private TinyVm() {
    }

    public static Vm build(InvalidationStrategy strategy) {
        return build(Vm.builder().strategy(strategy));
    }

    /** As {@link #build(InvalidationStrategy)}, from a builder the caller has set up further. */
    public static Vm build(Vm.Builder builder) {
        Vm vm = builder
                .guardPolicy(GuardPolicy.OFF)
                .physicalPages(PHYSICAL_PAGES)
                .build();
        vm.mm().mmap(HVA, (long) PAGES * PAGE);
        vm.memslots().set(0, 0, PAGES, HVA);
        return vm;
    }

    public static long hva(int page) {
        return HVA + (long) page * PAGE;
    }

    public static long gpa(int page) {
        return (long) page * PAGE;
    }
}
