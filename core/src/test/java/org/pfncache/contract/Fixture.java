package org.pfncache.contract;

import java.util.concurrent.Semaphore;
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.LockKind;
import org.pfncache.PfnCache;
import org.pfncache.PreemptionModel;
import org.pfncache.Vm;

/**
 * The one guest layout every test, jcstress state and benchmark uses: one mapped region at
 * {@link #HVA} and one memslot over it, gfn i at hva {@link #HVA} + i pages, and each page holding
 * {@link #signature(int)} so that a reader can tell which page it read ("no data from another
 * page"). The contract kit uses instances ({@link #PAGES} pages, signature at {@link #SIG_OFFSET});
 * the stress and bench modules lay their own Vms out with {@link #layOut}.
 */
public final class Fixture implements AutoCloseable {
    public static final long HVA = 0x7f00_0000_0000L;
    public static final int PAGES = 16;
    public static final int SIG_OFFSET = 8;
    public static final int PAGE = PfnCache.PAGE_SIZE;

    public final Vm vm;
    /** Released once for every guard report of the Vm, so tests can wait for reports without sleeping. */
    public final Semaphore reports = new Semaphore(0);

    public Fixture(InvalidationStrategy s) {
        this(s, PreemptionModel.NONE, LockKind.SPINLOCK, GuardPolicy.THROW);
    }

    /** {@code k} is the kind of the notifier-path locks and of mmu_lock alike. */
    public Fixture(InvalidationStrategy s, PreemptionModel m, LockKind k, GuardPolicy p) {
        vm = layOut(Vm.builder().strategy(s).preemption(m).notifierLock(k).mmuLock(k).guardPolicy(p)
                .guardListener(r -> reports.release()).physicalPages(256).build(), PAGES, SIG_OFFSET);
    }

    /**
     * Maps {@code pages} pages at {@link #HVA}, puts memslot 0 over them and writes each page's
     * signature at {@code sigOffset}; returns {@code vm}.
     */
    public static Vm layOut(Vm vm, int pages, int sigOffset) {
        vm.mm().mmap(HVA, (long) pages * PAGE);
        vm.memslots().set(0, 0, pages, HVA);
        for (int i = 0; i < pages; i++) {
            vm.mm().writeLong(hva(i) + sigOffset, signature(i));
        }
        return vm;
    }

    /** Page i's signature; outside the small-Long cache on purpose, so boxing it is never free. */
    public static long signature(int page) {
        return 0x5157_0000_0000L | page;
    }

    public static long hva(int page) {
        return HVA + (long) page * PAGE;
    }

    public static long gpa(int page) {
        return (long) page * PAGE;
    }

    public void writeSignature(int page) {
        vm.mm().writeLong(hva(page) + SIG_OFFSET, signature(page));
    }

    /** A cache of the Vm's default strategy, activated on {@code page} with len 16. */
    public PfnCache cacheOn(int page) {
        PfnCache c = vm.newCache();
        c.activate(gpa(page), 16);
        return c;
    }

    @Override
    public void close() {
        vm.close();
    }
}
