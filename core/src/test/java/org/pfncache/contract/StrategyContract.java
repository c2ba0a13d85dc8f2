package org.pfncache.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.InvalidationStrategy.NonBlockOutcome;
import org.pfncache.LockKind;
import org.pfncache.PfnCache;
import org.pfncache.PfnCacheFaultException;
import org.pfncache.PreemptionModel;
import org.pfncache.Vm;
import org.pfncache.guard.GuardReport;
import org.pfncache.host.MemoryAudit;
import org.pfncache.host.MmuNotifier;
import org.pfncache.host.MmuNotifierRange;
import org.pfncache.host.OomReapResult;

/**
 * The strategy contract kit: R1-R11 and the concurrency invariants, run against any
 * {@link InvalidationStrategy}. A strategy's test class extends this and names the strategy; what
 * the kit expects of drains and of non-blockable ranges follows the strategy's own declarations
 * ({@link InvalidationStrategy#drainsReaders()}, {@link InvalidationStrategy#nonBlockableOutcome()}).
 */
public abstract class StrategyContract {
    private static final int PAGE = PfnCache.PAGE_SIZE;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "contract-worker");
        t.setDaemon(true);
        return t;
    });

    /** The strategy under test. */
    protected abstract InvalidationStrategy strategy();

    protected Fixture fixture() {
        return track(new Fixture(strategy()));
    }

    protected Fixture fixture(PreemptionModel m, LockKind k, GuardPolicy p) {
        return track(new Fixture(strategy(), m, k, p));
    }

    private <T extends AutoCloseable> T track(T t) {
        toClose.add(t);
        return t;
    }

    @AfterEach
    void closeAll() throws Exception {
        pool.shutdownNow();
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private static long read8(PfnCache c, int offset) {
        return c.read(8, k -> k.getLong(offset));
    }

    private <T> T within(Future<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------- R1 / R2

    @Test
    void r1_activateMapsThePageAndCheckSucceeds() {
        Fixture fx = fixture();
        PfnCache c = fx.vm.newCache();
        c.activate(Fixture.gpa(3) + 0x10, 8);
        assertTrue(c.isActive());
        assertTrue(c.isValid());
        assertEquals(Fixture.gpa(3) + 0x10, c.gpa());
        assertEquals(Fixture.hva(3) + 0x10, c.uhva());
        assertEquals(fx.vm.mm().pfn(Fixture.hva(3)), c.pfn());
        assertEquals(1, fx.vm.activeCaches());
        fx.vm.mm().writeLong(Fixture.hva(3) + 0x10, 42);
        try (PfnCache.Section s = c.enter()) {
            assertTrue(s.check(8));
            assertEquals(42, s.khva().getLong(0));
            assertTrue(s.validate());
        }
    }

    @Test
    void r1_lenThatLeavesThePageIsRefusedAndNothingChanges() {
        Fixture fx = fixture();
        PfnCache c = fx.vm.newCache();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.activate(Fixture.gpa(2) + PAGE - 8, 16));
        assertTrue(e.getMessage().contains("16"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.activate(Fixture.gpa(2), 0));
        assertFalse(c.isActive());
        assertEquals(0, fx.vm.activeCaches());
        assertEquals(0, fx.vm.memory().liveMappings());
    }

    @Test
    void r1_invalidGpaIsRefused() {
        Fixture fx = fixture();
        PfnCache c = fx.vm.newCache();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.activate(PfnCache.INVALID_GPA, 8));
        assertTrue(e.getMessage().contains("INVALID_GPA"), e.getMessage());
        assertFalse(c.isActive());
        assertEquals(0, fx.vm.activeCaches());
    }

    @Test
    void r1_activatingAnActiveCacheMovesItAndUnmapsTheOldPage() {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(1);
        c.activate(Fixture.gpa(5), 8);
        assertEquals(fx.vm.mm().pfn(Fixture.hva(5)), c.pfn());
        assertEquals(Fixture.signature(5), read8(c, Fixture.SIG_OFFSET));
        assertEquals(1, fx.vm.activeCaches());
        fx.vm.close();
        assertEquals(0, fx.vm.mm().audit().pagesMapped());
    }

    @Test
    void r2_hvaCacheIgnoresMemslotGeneration() {
        Fixture fx = fixture();
        PfnCache c = fx.vm.newCache();
        c.activateHva(Fixture.hva(4) + 0x20, 8);
        assertEquals(PfnCache.INVALID_GPA, c.gpa());
        assertEquals(Fixture.hva(4) + 0x20, c.uhva());
        long pfn = c.pfn();
        fx.vm.memslots().set(1, 100, 1, Fixture.hva(15));
        try (PfnCache.Section s = c.enter()) {
            assertTrue(s.check(8), "an hva-based cache does not consult the memslot generation (R2)");
        }
        assertEquals(pfn, c.pfn());
    }

    @Test
    void r2_badOrUnmappedHva() {
        Fixture fx = fixture();
        PfnCache c = fx.vm.newCache();
        assertThrows(IllegalArgumentException.class, () -> c.activateHva(-4096, 8));
        assertFalse(c.isActive());
        PfnCacheFaultException e = assertThrows(PfnCacheFaultException.class,
                () -> c.activateHva(Fixture.hva(Fixture.PAGES + 10), 8));
        assertTrue(e.getMessage().contains(Long.toHexString(Fixture.hva(Fixture.PAGES + 10))), e.getMessage());
        // R4: active but invalid, nothing mapped.
        assertTrue(c.isActive());
        assertFalse(c.isValid());
        assertEquals(-1, c.pfn());
        assertEquals(0, fx.vm.memory().liveMappings());
    }

    // ---------------------------------------------------------------- R3

    @Test
    void r3_checkOfAnInactiveCacheIsFalse() {
        Fixture fx = fixture();
        PfnCache c = fx.vm.newCache();
        try (PfnCache.Section s = c.enter()) {
            assertFalse(s.check(8));
            assertThrows(IllegalStateException.class, s::khva);
        }
    }

    @Test
    void r3_checkIsFalseWhenLenLeavesThePage() {
        Fixture fx = fixture();
        PfnCache c = fx.vm.newCache();
        c.activate(Fixture.gpa(2) + PAGE - 8, 8);
        try (PfnCache.Section s = c.enter()) {
            assertTrue(s.check(8));
            assertFalse(s.check(9));
        }
        assertTrue(c.isValid(), "a failed check changes nothing");
    }

    @Test
    void r3_r11_memslotChangeFailsCheckUntilRefresh() {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(2);
        fx.vm.memslots().set(0, 0, Fixture.PAGES, Fixture.HVA);
        try (PfnCache.Section s = c.enter()) {
            assertFalse(s.check(8), "R11: generation changed");
        }
        c.refresh(8);
        try (PfnCache.Section s = c.enter()) {
            assertTrue(s.check(8));
        }
    }

    @Test
    void r11_memslotMovedToAnotherHvaMapsTheNewPage() {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(2);
        // Move gfn 0..3 onto pages 8..11 of the region.
        fx.vm.memslots().set(0, 0, 4, Fixture.hva(8));
        assertEquals(Fixture.signature(10), read8(c, Fixture.SIG_OFFSET));
        assertEquals(Fixture.hva(10), c.uhva());
        assertEquals(fx.vm.mm().pfn(Fixture.hva(10)), c.pfn());
        fx.vm.close();
        assertEquals(0, fx.vm.mm().audit().pagesMapped(), "the old mapping was unmapped (I7)");
    }

    // ---------------------------------------------------------------- R4 / R5

    @Test
    void r4_refreshOfAnInactiveCacheIsRefused() {
        Fixture fx = fixture();
        PfnCache c = fx.vm.newCache();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.refresh(8));
        assertTrue(e.getMessage().contains("not active"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> read8(c, 0));
    }

    @Test
    void r4_refreshWithBadLenChangesNothing() {
        Fixture fx = fixture();
        PfnCache c = fx.vm.newCache();
        c.activate(Fixture.gpa(1) + 0x800, 8);
        long pfn = c.pfn();
        assertThrows(IllegalArgumentException.class, () -> c.refresh(0x801));
        assertThrows(IllegalArgumentException.class, () -> c.refresh(-1));
        assertTrue(c.isValid());
        assertEquals(pfn, c.pfn());
    }

    @Test
    void r4_refreshAfterMigrationMapsTheNewPfnAndUnmapsTheOld() {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(6);
        long before = c.pfn();
        fx.vm.mm().migrate(Fixture.hva(6));
        assertFalse(c.isValid(), "R8: migration invalidated the cache");
        long after = fx.vm.mm().pfn(Fixture.hva(6));
        assertNotEquals(before, after);
        c.refresh(16);
        assertEquals(after, c.pfn());
        assertEquals(Fixture.signature(6), read8(c, Fixture.SIG_OFFSET), "migration copied the contents");
        fx.vm.close();
        MemoryAudit a = fx.vm.mm().audit();
        assertEquals(0, a.pagesMapped());
        assertEquals(0, a.staleAccesses());
    }

    @Test
    void r4_gpaWithoutMemslotFaultsAndDropsTheMapping() {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(1);
        PfnCacheFaultException e = assertThrows(PfnCacheFaultException.class,
                () -> c.activate(Fixture.gpa(Fixture.PAGES + 3), 8));
        assertTrue(e.getMessage().contains(Long.toHexString(Fixture.gpa(Fixture.PAGES + 3))), e.getMessage());
        assertTrue(c.isActive());
        assertFalse(c.isValid());
        assertEquals(-1, c.pfn());
        assertThrows(PfnCacheFaultException.class, () -> read8(c, 0));
        fx.vm.close();
        assertEquals(0, fx.vm.mm().audit().pagesMapped(), "R4: the old mapping was unmapped");
    }

    @Test
    void r4_sameRefreshOnTheSamePageOnlyMovesTheOffset() {
        Fixture fx = fixture();
        PfnCache c = fx.vm.newCache();
        c.activate(Fixture.gpa(3), 8);
        long pfn = c.pfn();
        long mappings = fx.vm.memory().liveMappings();
        c.activate(Fixture.gpa(3) + Fixture.SIG_OFFSET, 8);
        assertEquals(pfn, c.pfn());
        assertEquals(mappings, fx.vm.memory().liveMappings(), "no new kernel mapping for the same page");
        assertEquals(Fixture.signature(3), read8(c, 0));
    }

    @Test
    void r5_refreshDoesNotPublishWhileAnInvalidationIsInProgress() throws Exception {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(7);
        long oldPfn = c.pfn();
        CountDownLatch inStart = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // A second notifier, called after the Vm's: while it holds the range open the Vm's start
        // has run (count 1, cache invalid) and its end has not.
        MmuNotifier blocker = new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(MmuNotifierRange range) {
                inStart.countDown();
                try {
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new AssertionError("never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return true;
            }

            @Override
            public void invalidateRangeEnd(MmuNotifierRange range) {
            }
        };
        fx.vm.mm().register(blocker);
        Future<?> migration = pool.submit(() -> fx.vm.mm().migrate(Fixture.hva(7)));
        assertTrue(inStart.await(30, TimeUnit.SECONDS));
        assertEquals(1, fx.vm.activeInvalidateCount());
        assertFalse(c.isValid());
        Future<?> refresh = pool.submit(() -> c.refresh(16));
        assertThrows(TimeoutException.class, () -> refresh.get(100, TimeUnit.MILLISECONDS),
                "R5: refresh must keep retrying while the invalidation is in progress");
        assertFalse(c.isValid());
        release.countDown();
        within(migration);
        within(refresh);
        long newPfn = fx.vm.mm().pfn(Fixture.hva(7));
        assertNotEquals(oldPfn, newPfn);
        assertEquals(newPfn, c.pfn(), "R5: the refresh published the page mapped after the invalidation");
        assertEquals(Fixture.signature(7), read8(c, Fixture.SIG_OFFSET));
        assertEquals(0, fx.vm.activeInvalidateCount());
        fx.vm.mm().unregister(blocker);
        fx.vm.close();
        assertEquals(0, fx.vm.mm().audit().staleAccesses());
    }

    // ---------------------------------------------------------------- R6

    @Test
    void r6_deactivateLeavesTheListAndIsIdempotent() {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(2);
        c.deactivate();
        assertFalse(c.isActive());
        assertFalse(c.isValid());
        assertEquals(-1, c.pfn());
        assertEquals(0, fx.vm.activeCaches());
        c.deactivate();
        assertEquals(0, fx.vm.activeCaches());
        long seq = fx.vm.mmuInvalidateSeq();
        fx.vm.mm().migrate(Fixture.hva(2));
        assertEquals(seq + 1, fx.vm.mmuInvalidateSeq());
        fx.vm.close();
        assertEquals(0, fx.vm.mm().audit().pagesMapped(), "R6/I7: the mapping was unmapped");
    }

    @Test
    void r6_reactivationAfterDeactivateWorks() {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(2);
        c.deactivate();
        c.activate(Fixture.gpa(4), 16);
        assertEquals(Fixture.signature(4), read8(c, Fixture.SIG_OFFSET));
        assertEquals(1, fx.vm.activeCaches());
    }

    // ---------------------------------------------------------------- R7

    @Test
    void r7_readAndWriteRefreshTransparently() {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(9);
        c.write(8, k -> k.putLong(0, 77));
        assertEquals(77, fx.vm.mm().readLong(Fixture.hva(9)));
        fx.vm.mm().migrate(Fixture.hva(9));
        assertEquals(77, read8(c, 0));
        fx.vm.mm().munmap(Fixture.hva(9), PAGE);
        fx.vm.mm().mmap(Fixture.hva(9), PAGE);
        assertEquals(0, read8(c, 0), "a fresh zero page after munmap + mmap");
        assertEquals(fx.vm.mm().pfn(Fixture.hva(9)), c.pfn());
        fx.vm.close();
        assertTrue(fx.vm.mm().audit().clean(), fx.vm.mm().audit().toString());
    }

    @Test
    void r7_readLongAndWriteAllocateNothingOnTheHitPath() {
        Fixture fx = fixture(PreemptionModel.NONE, LockKind.SPINLOCK, GuardPolicy.OFF);
        PfnCache c = fx.cacheOn(9);
        java.util.function.ToLongFunction<org.pfncache.Khva> get = k -> k.getLong(Fixture.SIG_OFFSET);
        java.util.function.Consumer<org.pfncache.Khva> put = k -> k.putLong(0, 7);
        long sum = 0;
        for (int i = 0; i < 20_000; i++) { // warm up: lambdas linked, JIT may compile
            c.write(8, put);
            sum += c.readLong(16, get);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        // Steady state allocates nothing; a one-off JIT transition (an OSR entry, a recompilation
        // after another test class changed the profile) may allocate a few KiB once, so the claim
        // is that one of up to five windows of 10000 pairs allocates nothing, not the first one.
        long allocated = Long.MAX_VALUE;
        int windows = 0;
        while (allocated >= 1024 && windows < 5) {
            long before = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 10_000; i++) {
                c.write(8, put);
                sum += c.readLong(16, get);
            }
            allocated = mx.getThreadAllocatedBytes(tid) - before;
            windows++;
        }
        assertEquals((20_000L + 10_000L * windows) * Fixture.signature(9), sum);
        assertTrue(allocated < 1024, "readLong/write on a valid cache must not allocate: " + allocated
                + " bytes for 10000 pairs, in each of " + windows + " windows");
    }

    @Test
    void r7_readAfterMunmapFaults() {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(9);
        fx.vm.mm().munmap(Fixture.hva(9), PAGE);
        assertThrows(PfnCacheFaultException.class, () -> read8(c, 0));
        assertFalse(c.isValid());
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void badInput_khvaAccessOutsideThePage() {
        Fixture fx = fixture();
        PfnCache c = fx.vm.newCache();
        c.activate(Fixture.gpa(1) + PAGE - 16, 16);
        try (PfnCache.Section s = c.enter()) {
            assertTrue(s.check(16));
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> s.khva().getLong(16));
            assertTrue(e.getMessage().contains("16"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> s.khva().put(-1, (byte) 1));
            assertThrows(IndexOutOfBoundsException.class, () -> s.khva().putLong(9, 1));
            s.khva().put(15, (byte) 5);
            assertEquals(5, s.khva().get(15));
        }
        assertEquals(0, fx.vm.memory().staleAccesses());
    }

    @Test
    void badInput_closedSection() {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(1);
        PfnCache.Section s = c.enter();
        assertTrue(s.check(8));
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, () -> s.check(8));
        assertThrows(IllegalStateException.class, s::khva);
        assertThrows(IllegalStateException.class, s::validate);
        // The section's close released the read side: an invalidation can proceed.
        fx.vm.mm().migrate(Fixture.hva(1));
        assertFalse(c.isValid());
    }

    @Test
    void badInput_closedVm() {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(1);
        fx.vm.close();
        fx.vm.close();
        assertFalse(c.isActive());
        assertThrows(IllegalStateException.class, () -> fx.vm.newCache());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.activate(Fixture.gpa(1), 8));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> c.refresh(8));
    }

    @Test
    void badInput_overlappingMemslotsAreRefusedAndGenerationIsUnchanged() {
        Fixture fx = fixture();
        long gen = fx.vm.memslots().generation();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fx.vm.memslots().set(1, Fixture.PAGES - 1, 4, Fixture.hva(0)));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fx.vm.memslots().set(1, 100, 1, Fixture.HVA + 1));
        assertThrows(IllegalArgumentException.class, () -> fx.vm.memslots().delete(42));
        assertEquals(gen, fx.vm.memslots().generation());
    }

    // ---------------------------------------------------------------- R8 / R9

    @Test
    void r8_invalidationReachesOnlyCoveredCaches() {
        Fixture fx = fixture();
        PfnCache a = fx.cacheOn(3);
        PfnCache b = fx.cacheOn(4);
        fx.vm.mm().migrate(Fixture.hva(3));
        assertFalse(a.isValid());
        assertTrue(b.isValid());
    }

    @Test
    void r9_sequenceAdvancesAndCountReturnsToZero() {
        Fixture fx = fixture();
        fx.cacheOn(3);
        long seq = fx.vm.mmuInvalidateSeq();
        fx.vm.mm().migrate(Fixture.hva(3));
        fx.vm.mm().munmap(Fixture.hva(12), 2L * PAGE);
        assertEquals(seq + 2, fx.vm.mmuInvalidateSeq());
        assertEquals(0, fx.vm.activeInvalidateCount());
    }

    @Test
    void r8_i3_invalidationDrainsReadersOrTheHazardIsDetected() throws Exception {
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(5);
        Reader r = new Reader("vcpu0", c, true);
        r.start();
        assertTrue(r.inside.await(30, TimeUnit.SECONDS));
        assertTrue(r.checked);
        Future<?> unmap = pool.submit(() -> fx.vm.mm().munmap(Fixture.hva(5), PAGE));
        if (strategy().drainsReaders()) {
            assertThrows(TimeoutException.class, () -> unmap.get(100, TimeUnit.MILLISECONDS),
                    "I3: the invalidation must wait for the reader inside its section");
            r.release();
            within(unmap);
            assertEquals(Fixture.signature(5), r.value);
            MemoryAudit a = fx.vm.mm().audit();
            assertEquals(0, a.staleAccesses(), "I3: no access to the old page after invalidation");
            assertEquals(0, a.writesToFreedPages());
        } else {
            within(unmap); // does not drain: returns with the reader still inside
            r.release();
            assertFalse(r.valid, "the optimistic section must report the race");
            MemoryAudit a = fx.vm.mm().audit();
            assertTrue(a.staleAccesses() > 0, "the hazard is real and measured: " + a);
            assertTrue(a.writesToFreedPages() > 0, "the write landed in the freed page: " + a);
        }
    }

    @Test
    void i3_drainHoldsWhenTheCacheMovedAwayMeanwhile() throws Exception {
        drainAfterUnpublish(c -> c.activate(Fixture.gpa(11), 16));
    }

    @Test
    void i3_drainHoldsWhenTheCacheWasDeactivatedMeanwhile() throws Exception {
        drainAfterUnpublish(PfnCache::deactivate);
    }

    /**
     * A reader holds the page of a cache; the cache then stops publishing it (moved or
     * deactivated) while the reader is still inside. Invalidating the old page must still wait
     * for that reader: the page, not the cache, is what readers hold.
     */
    private void drainAfterUnpublish(java.util.function.Consumer<PfnCache> unpublish) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(strategy().drainsReaders(), "only for strategies that drain");
        Fixture fx = fixture();
        PfnCache c = fx.cacheOn(5);
        Reader r = new Reader("vcpu0", c, true);
        r.start();
        assertTrue(r.inside.await(30, TimeUnit.SECONDS));
        Future<?> moved = pool.submit(() -> unpublish.accept(c));
        Future<?> unmap = pool.submit(() -> fx.vm.mm().munmap(Fixture.hva(5), PAGE));
        assertThrows(TimeoutException.class, () -> unmap.get(100, TimeUnit.MILLISECONDS),
                "I3: the page's invalidation must wait for the reader that still holds it");
        r.release();
        within(moved);
        within(unmap);
        assertEquals(Fixture.signature(5), r.value);
        fx.vm.close();
        MemoryAudit a = fx.vm.mm().audit();
        assertEquals(0, a.staleAccesses(), a.toString());
        assertEquals(0, a.writesToFreedPages(), a.toString());
        assertEquals(0, a.pagesMapped(), a.toString());
    }

    // ---------------------------------------------------------------- R10

    @Test
    void r10_nonBlockableInvalidationWithAReaderInside() throws Exception {
        Fixture fx = fixture(PreemptionModel.RT, LockKind.RAW_SPINLOCK, GuardPolicy.REPORT);
        PfnCache c = fx.cacheOn(5);
        Reader r = new Reader("vcpu0", c, false);
        r.start();
        assertTrue(r.inside.await(30, TimeUnit.SECONDS));
        NonBlockOutcome outcome = strategy().nonBlockableOutcome();
        AtomicReference<OomReapResult> first = new AtomicReference<>();
        Future<?> reaper = pool.submit(() -> {
            Thread.currentThread().setName("oom_reaper");
            first.set(fx.vm.mm().oomReap(1, Duration.ZERO));
        });
        switch (outcome) {
            case BUG -> {
                // Under REPORT the reaper reports and then sleeps on the lock until the reader leaves.
                awaitReports(fx, 1);
                GuardReport rep = fx.vm.guardReports().get(0);
                assertEquals(1, rep.nonBlock());
                assertEquals("oom_reaper", rep.threadName());
                r.release();
                within(reaper);
                assertTrue(first.get().complete());
            }
            case RETRY -> {
                within(reaper);
                assertFalse(first.get().complete(), "R10: the range must be skipped while the reader is inside");
                assertTrue(first.get().rangesRetried() >= 1);
                assertEquals(0, fx.vm.activeInvalidateCount(), "R10: the core called KVM's end after the failed start");
                List<GuardReport> reps = fx.vm.guardReports();
                assertFalse(reps.isEmpty(), "R10: -EAGAIN from a notifier with an end callback is a WARN");
                for (GuardReport rep : reps) {
                    assertEquals(GuardReport.Kind.WARN, rep.kind(), rep::format);
                }
                r.release();
                fx.vm.mm().clearOomSkip(); // the first reap set MMF_OOM_SKIP
                OomReapResult second = fx.vm.mm().oomReap(3, Duration.ZERO);
                assertTrue(second.complete(), "the reaper completes once the reader left: " + second);
            }
            case DONE -> {
                within(reaper);
                assertTrue(first.get().complete());
                assertTrue(fx.vm.guardReports().isEmpty());
                r.release();
            }
            default -> fail("unknown outcome " + outcome);
        }
        assertEquals(0, fx.vm.activeInvalidateCount());
        assertEquals(-1, fx.vm.mm().pfn(Fixture.hva(5)), "the page was reaped");
    }

    @Test
    void r10_i6_failedStartLeavesNoActiveCountAndRefreshCompletes() throws Exception {
        Fixture fx = fixture(PreemptionModel.NONE, LockKind.SPINLOCK, GuardPolicy.THROW);
        PfnCache c = fx.cacheOn(5);
        MmuNotifier refusing = new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(MmuNotifierRange range) {
                return range.blockable();
            }

            @Override
            public void invalidateRangeEnd(MmuNotifierRange range) {
            }
        };
        fx.vm.mm().register(refusing);
        OomReapResult res = fx.vm.mm().oomReap(2, Duration.ZERO);
        assertFalse(res.complete());
        assertEquals(0, fx.vm.activeInvalidateCount(), "the Vm got its end call for every start");
        fx.vm.mm().unregister(refusing);
        assertEquals(Fixture.signature(5), read8(c, Fixture.SIG_OFFSET), "I6: refresh completes");
    }

    private static void awaitReports(Fixture fx, int n) throws InterruptedException {
        assertTrue(fx.reports.tryAcquire(n, 30, TimeUnit.SECONDS), "expected " + n + " guard report(s)");
    }

    // ---------------------------------------------------------------- concurrency (I1-I4, I7)

    @Test
    void i3_i7_readersNeverSeeAnotherPageWhileTheHostChurns() throws Exception {
        Fixture fx = fixture();
        int readers = 2;
        int cachesPerReader = 3;
        int rounds = 300;
        CyclicBarrier start = new CyclicBarrier(readers + 1);
        AtomicLong reads = new AtomicLong();
        List<Future<?>> fs = new ArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        for (int r = 0; r < readers; r++) {
            int base = r * cachesPerReader;
            fs.add(pool.submit(() -> {
                Thread.currentThread().setName("vcpu" + base);
                PfnCache[] cs = new PfnCache[cachesPerReader];
                for (int i = 0; i < cachesPerReader; i++) {
                    cs[i] = fx.cacheOn(base + i);
                }
                start.await(30, TimeUnit.SECONDS);
                while (!stop.get()) {
                    for (int i = 0; i < cachesPerReader; i++) {
                        int page = base + i;
                        long v;
                        try {
                            v = read8(cs[i], Fixture.SIG_OFFSET);
                            cs[i].write(8, k -> k.putLong(0, page));
                        } catch (PfnCacheFaultException e) {
                            continue; // the page is between munmap and mmap
                        }
                        if (v != Fixture.signature(page) && v != 0) {
                            throw new AssertionError("cache of page " + page + " read 0x" + Long.toHexString(v));
                        }
                        reads.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        start.await(30, TimeUnit.SECONDS);
        // Bounded: the churn starts once a reader has read, so the reads overlap it even when the
        // readers are scheduled late (on a loaded 2-CPU machine 300 rounds can end before they run).
        long readersUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (reads.get() == 0 && System.nanoTime() - readersUp < 0) {
            Thread.onSpinWait();
        }
        try {
            for (int round = 0; round < rounds; round++) {
                int page = round % (readers * cachesPerReader);
                switch (round % 3) {
                    case 0 -> fx.vm.mm().migrate(Fixture.hva(page));
                    case 1 -> {
                        fx.vm.mm().munmap(Fixture.hva(page), PAGE);
                        fx.vm.mm().mmap(Fixture.hva(page), PAGE);
                        fx.writeSignature(page);
                    }
                    default -> fx.vm.memslots().set(0, 0, Fixture.PAGES, Fixture.HVA);
                }
            }
        } finally {
            stop.set(true);
        }
        for (Future<?> f : fs) {
            within(f);
        }
        assertTrue(reads.get() > 0);
        fx.vm.close();
        MemoryAudit a = fx.vm.mm().audit();
        assertEquals(0, a.pagesMapped(), "I7: every map has its unmap");
        assertEquals(0, a.pagesLeaked(), "I7: no page leaked");
        if (strategy().drainsReaders()) {
            assertEquals(0, a.staleAccesses(), "I3: " + a);
            assertEquals(0, a.writesToFreedPages(), "I3: " + a);
        }
    }
}
