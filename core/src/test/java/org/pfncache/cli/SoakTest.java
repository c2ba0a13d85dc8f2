package org.pfncache.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PreemptionModel;
import org.pfncache.host.MemoryAudit;
import org.pfncache.host.MmuNotifierRange;

/**
 * {@code pfncache soak}: the verdict logic on hand-made results, then real short soaks: a built-in
 * passes with every write verified and a clean audit, and a broken user strategy (its
 * invalidation takes no lock, so it does not exclude readers, while it claims to drain them) makes
 * the soak exit 1.
 */
class SoakTest {
    private static final SoakResult.HostCounts HOST = new SoakResult.HostCounts(10, 4, 0, 2, 4);
    private static final SoakResult.ReaperCounts REAPER = new SoakResult.ReaperCounts(5, 5, 0, 5, 20, 0);
    private static final MemoryAudit CLEAN = new MemoryAudit(0, 0, 0, 0);

    private static SoakResult result(boolean drains, long verified, long lost, long torn, MemoryAudit audit,
                                     List<String> hangs) {
        return new SoakResult("s", drains, 2000, 2_000_000_000L,
                new SoakResult.Operations(verified + 10, verified + 10, verified, lost, torn, 3, 1, 1), HOST, REAPER,
                0, 0, 0, null, audit, 1 << 20, hangs, List.of());
    }

    // ---- verdict logic ----

    @Test
    void clean_passes() {
        SoakResult r = result(true, 100, 0, 0, CLEAN, List.of());
        assertTrue(r.passed());
        assertEquals("PASS", r.verdict());
        assertEquals(List.of(), r.hazards());
    }

    @Test
    void drainingStrategy_anyAuditFinding_fails() {
        for (MemoryAudit a : List.of(new MemoryAudit(1, 0, 0, 0), new MemoryAudit(0, 1, 0, 0),
                new MemoryAudit(0, 0, 1, 0), new MemoryAudit(0, 0, 0, 1))) {
            SoakResult r = result(true, 100, 0, 0, a, List.of());
            assertFalse(r.passed(), a.toString());
            assertEquals("FAIL", r.verdict());
        }
        assertTrue(result(true, 100, 0, 0, new MemoryAudit(3, 0, 0, 0), List.of()).failures()
                .contains("3 stale accesses"));
    }

    @Test
    void nonDrainingStrategy_auditFindingsAreHazards_notFailures() {
        SoakResult r = result(false, 100, 0, 0, new MemoryAudit(7, 2, 0, 0), List.of());
        assertTrue(r.passed(), r.failures().toString());
        assertEquals("HAZARDS", r.verdict());
        assertEquals(2, r.hazards().size(), r.hazards().toString());
        assertTrue(r.hazards().get(0).startsWith("7 stale accesses (hazard: s does not drain readers)"), r.hazards().toString());
    }

    @Test
    void lostOrTornWrite_failsAnyStrategy_unlessAHazardExplainsIt() {
        assertEquals(List.of("1 lost writes"), result(true, 100, 1, 0, CLEAN, List.of()).failures());
        assertEquals(List.of("2 torn writes"), result(true, 100, 0, 2, CLEAN, List.of()).failures());
        // A non-draining strategy with a clean audit has no excuse.
        assertEquals(List.of("1 lost writes"), result(false, 100, 1, 0, CLEAN, List.of()).failures());
        // A non-draining strategy seen writing into freed pages: its lost writes are that hazard.
        SoakResult hazard = result(false, 100, 1, 1, new MemoryAudit(0, 4, 0, 0), List.of());
        assertTrue(hazard.passed(), hazard.failures().toString());
        assertTrue(hazard.hazards().contains("1 lost writes (hazard: s does not drain readers)"), hazard.hazards().toString());
        // A draining one is never excused.
        assertFalse(result(true, 100, 1, 0, new MemoryAudit(0, 4, 0, 0), List.of()).failures().isEmpty());
    }

    @Test
    void nothingVerified_orHung_orNoAudit_fails() {
        assertEquals(List.of("no write was verified: the soak tested nothing"),
                result(true, 0, 0, 0, CLEAN, List.of()).failures());
        assertTrue(result(true, 100, 0, 0, null, List.of("vcpu1")).failures().contains("hung: vcpu1"));
        assertTrue(result(false, 100, 0, 0, null, List.of()).failures().contains("no audit: vm.close did not finish"));
    }

    // ---- real soaks ----

    private record Outcome(int status, String out, String err) {
    }

    private static Outcome soak(List<InvalidationStrategy> strategies, Duration total, boolean json)
            throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Soak.Config config = new Soak.Config(strategies, total, 2, 4, PreemptionModel.NONE, Duration.ofMillis(700),
                Duration.ofSeconds(10));
        int status;
        try (HostLog quiet = HostLog.quiet()) {
            status = Main.soak(config, json, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
        }
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) assertInstanceOf(Map.class, o);
    }

    @Test
    void builtInRwlock_2s_passes_everyWriteVerified_cleanAudit_progressOnStderr() throws InterruptedException {
        Outcome o = soak(List.of(InvalidationStrategy.rwlock()), Duration.ofSeconds(2), true);
        assertEquals(0, o.status(), o.out() + o.err());
        assertEquals(1, o.out().lines().count(), "one JSON object: " + o.out());
        Map<String, Object> report = MiniJson.parseObject(o.out());
        assertEquals(true, report.get("passed"));
        List<?> strategies = (List<?>) report.get("strategies");
        assertEquals(1, strategies.size());
        Map<String, Object> s = map(strategies.get(0));
        assertEquals("rwlock", s.get("strategy"));
        assertEquals("PASS", s.get("verdict"));
        Map<String, Object> ops = map(s.get("operations"));
        assertTrue((Long) ops.get("verified") > 1000, ops.toString());
        assertEquals(0L, ops.get("lostWrites"));
        assertEquals(0L, ops.get("tornWrites"));
        assertTrue((Long) ops.get("churns") > 0, "caches were deactivated and re-activated: " + ops);
        Map<String, Object> host = map(s.get("host"));
        assertTrue((Long) host.get("migrations") > 0 && (Long) host.get("munmaps") > 0
                && (Long) host.get("memslotUpdates") > 0, host.toString());
        assertTrue((Long) map(s.get("reaper")).get("calls") > 0, s.toString());
        Map<String, Object> audit = map(s.get("audit"));
        for (String k : List.of("staleAccesses", "writesToFreedPages", "pagesMapped", "pagesLeaked")) {
            assertEquals(0L, audit.get(k), k);
        }
        assertTrue((Long) s.get("heapUsedAfterCloseBytes") > 0);
        // Progress every 700 ms during a 2 s run, then the strategy's line, all on stderr.
        assertTrue(o.err().contains("soak: rwlock "), o.err());
        assertTrue(o.err().lines().anyMatch(l -> l.startsWith("rwlock     PASS")), o.err());
    }

    @Test
    void brokenStrategy_invalidationDoesNotExcludeReaders_soakExits1() throws InterruptedException {
        Outcome o = soak(List.of(new NoExclusionStrategy()), Duration.ofSeconds(2), false);
        assertEquals(1, o.status(), o.out() + o.err());
        assertTrue(o.out().contains("no-exclusion FAIL"), o.out());
        assertTrue(o.out().contains("soak: FAILED"), o.out());
        String failLine = o.err().lines().filter(l -> l.startsWith("pfncache: soak failed: no-exclusion"))
                .findFirst().orElse(null);
        assertNotNull(failLine, o.err());
        System.out.println("SoakTest: the broken strategy was caught: " + failLine);
        // What it is caught by: readers inside while the page is freed under them.
        assertTrue(failLine.contains("stale accesses") || failLine.contains("writes to freed pages")
                || failLine.contains("lost writes"), failLine);
    }

    /**
     * A user strategy through the public SPI, broken: readers and writers share a
     * ReentrantReadWriteLock, but the invalidation walk takes nothing, so an invalidation clears
     * the cache and the host frees the page while a reader is still inside; retire unmaps at once.
     * It claims to drain readers, so the audit's stale accesses are failures.
     */
    private static final class NoExclusionStrategy implements InvalidationStrategy {
        @Override
        public String name() {
            return "no-exclusion";
        }

        @Override
        public boolean drainsReaders() {
            return true;
        }

        @Override
        public MaySleep maySleepInInvalidation() {
            return MaySleep.NEVER;
        }

        @Override
        public NonBlockOutcome nonBlockableOutcome() {
            return NonBlockOutcome.DONE;
        }

        @Override
        public String readPathCost() {
            return "a ReentrantReadWriteLock read side";
        }

        @Override
        public CacheLock newCacheLock(Context context) {
            ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
            return new CacheLock() {
                @Override
                public long readLock() {
                    rw.readLock().lock();
                    return 0;
                }

                @Override
                public void readUnlock(long token) {
                    rw.readLock().unlock();
                }

                @Override
                public void writeLock() {
                    rw.writeLock().lock();
                }

                @Override
                public void writeUnlock() {
                    rw.writeLock().unlock();
                }

                @Override
                public boolean walkReadLock(MmuNotifierRange range) {
                    return true; // the bug: no exclusion of readers
                }

                @Override
                public void walkReadUnlock() {
                }

                @Override
                public boolean invalidateWriteLock(MmuNotifierRange range) {
                    return true; // the bug: no exclusion of readers
                }

                @Override
                public void invalidateWriteUnlock() {
                }

                @Override
                public void retire(long uhva, Runnable unmap) {
                    unmap.run();
                }
            };
        }
    }
}
