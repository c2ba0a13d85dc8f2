package org.pfncache.bench;

import java.util.ArrayList;
import java.util.List;
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.PreemptionModel;
import org.pfncache.Vm;
import org.pfncache.contract.Fixture;

/**
 * A Vm built only through the public API, the way a benchmark needs it: core's {@link Fixture}
 * layout over {@code pages} pages (one VMA at {@link #HVA}, memslot 0 over it, gfn i at hva
 * {@code HVA + i} pages), with the value {@link #signature(int)} at offset 0 of page i, so that a
 * read that returns it read the right page. Caches are gpa-based (kvm_gpc_activate), so check() also compares the memslot generation,
 * as a vCPU's caches in KVM do.
 */
final class Guest implements AutoCloseable {
    static final long HVA = Fixture.HVA;
    static final int PAGE = Fixture.PAGE;
    /** Every access the benchmarks make: 8 bytes at the cache's offset. */
    static final int LEN = 8;
    /** Live spacer objects kept between caches so two caches' lock words never share a cache line. */
    private static final int SPACER_BYTES = 256;

    final Vm vm;
    final int pages;
    private final List<Object> spacers = new ArrayList<>();

    Guest(InvalidationStrategy strategy, GuardPolicy policy, int pages, int physicalPages) {
        this(strategy, policy, pages, physicalPages, null);
    }

    /** As above; {@code memoryChecks} non-null sets {@code Vm.Builder.memoryChecks(boolean)}. */
    Guest(InvalidationStrategy strategy, GuardPolicy policy, int pages, int physicalPages, Boolean memoryChecks) {
        Vm.Builder b = Vm.builder().strategy(strategy).preemption(PreemptionModel.NONE).guardPolicy(policy)
                .physicalPages(physicalPages);
        if (memoryChecks != null) {
            b.memoryChecks(memoryChecks);
        }
        this.vm = Fixture.layOut(b.build(), pages, 0);
        this.pages = pages;
    }

    static long hva(int page) {
        return Fixture.hva(page);
    }

    static long gpa(int page) {
        return Fixture.gpa(page);
    }

    static long signature(int page) {
        return Fixture.signature(page);
    }

    void writeSignature(int page) {
        vm.mm().writeLong(hva(page), signature(page));
    }

    /** A cache of the Vm's strategy, activated on {@code page} for {@link #LEN} bytes at offset 0. */
    PfnCache cacheOn(int page) {
        return cacheOn(page, vm.defaultStrategy());
    }

    /** As {@link #cacheOn(int)}, with a cache of {@code strategy} (not necessarily the Vm's default). */
    PfnCache cacheOn(int page, InvalidationStrategy strategy) {
        PfnCache c = vm.newCache(strategy);
        c.activate(gpa(page), LEN);
        spacers.add(new byte[SPACER_BYTES]);
        return c;
    }

    int guardReports() {
        return vm.guardReports().size();
    }

    /** The guard's reports are a finding, not noise: a benchmark run that made any says so. */
    void warnIfReported(String what) {
        int n = guardReports();
        if (n > 0) {
            System.out.println("WARNING: " + what + ": the guard made " + n + " report(s); first:\n"
                    + vm.guardReports().get(0).format());
        }
    }

    @Override
    public void close() {
        vm.close();
    }
}
