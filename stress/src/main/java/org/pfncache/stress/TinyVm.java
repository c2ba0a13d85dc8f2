package org.pfncache.stress;

import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.contract.Fixture;

/**
 * The smallest Vm a jcstress state can afford, since every state builds its own: 8 pages of
 * physical memory and core's {@link Fixture} layout over 2 pages (gfn i at hva
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
    public static final long HVA = Fixture.HVA;
    public static final int PAGES = 2;
    public static final int PHYSICAL_PAGES = 8;
    public static final int PAGE = Fixture.PAGE;

    private TinyVm() {
    }

    public static Vm build(InvalidationStrategy strategy) {
        return build(Vm.builder().strategy(strategy));
    }

    /** As {@link #build(InvalidationStrategy)}, from a builder the caller has set up further. */
    public static Vm build(Vm.Builder builder) {
        return Fixture.layOut(builder.guardPolicy(GuardPolicy.OFF).physicalPages(PHYSICAL_PAGES).build(), PAGES,
                Fixture.SIG_OFFSET);
    }

    public static long hva(int page) {
        return Fixture.hva(page);
    }

    public static long gpa(int page) {
        return Fixture.gpa(page);
    }
}
