package org.pfncache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a user sees of a running Vm: {@link PfnCache#stats()}, {@link Vm#stats()} and the JFR events. */
@Timeout(60)
class ObservabilityTest {
    private static final long HVA = 0x7f00_0000_0000L;
    private static final int PAGE = PfnCache.PAGE_SIZE;
    private Vm vm;

    @AfterEach
    void tearDown() {
        if (vm != null) {
            vm.close();
        }
    }

    private Vm vm(Vm.Builder b) {
        vm = b.physicalPages(64).build();
        vm.mm().mmap(HVA, 8L * PAGE);
        vm.memslots().set(0, 0, 8, HVA);
        return vm;
    }

    @Test
    void cacheAndVmStatsCountRefreshesRetriesFaultsAndInvalidations() {
        vm(Vm.builder());
        PfnCache c = vm.newCache();
        c.activate(PAGE, 8);
        assertEquals(new CacheStats(0, 0, 1, 0, 0, 0), c.stats(), "activation refreshes once; checks not counted");
        vm.mm().migrate(HVA + PAGE);
        assertEquals(1, c.stats().invalidations());
        AtomicInteger faults = new AtomicInteger();
        c.faultHook = () -> {
            if (faults.getAndIncrement() == 0) {
                vm.mm().migrate(HVA + PAGE); // one whole invalidation between fault and check: one retry
            }
        };
        c.readLong(8, k -> k.getLong(0));
        c.faultHook = null;
        CacheStats s = c.stats();
        assertEquals(2, s.refreshes());
        assertEquals(1, s.refreshRetries());
        assertEquals(0, s.checks(), "check() counting is off by default");
        vm.memslots().delete(0);
        assertThrows(PfnCacheFaultException.class, () -> c.readLong(8, k -> k.getLong(0)));
        assertEquals(1, c.stats().faults());

        VmStats v = vm.stats();
        assertEquals(2, v.invalidations(), "two migrations reached KVM's notifier");
        assertEquals(0, v.invalidationFailures());
        assertEquals(1, v.cachesCleared(), "the second migration met the cache already invalid");
        assertEquals(3, v.refreshes());
        assertEquals(1, v.refreshRetries());
        assertEquals(1, v.faults());
        assertEquals(0, v.notifierFailures());
    }

    @Test
    void checksAndHitsAreCountedWhenTheVmAsksForIt() {
        vm(Vm.builder().statistics(true));
        PfnCache c = vm.newCache();
        c.activate(PAGE + 8, 8);
        for (int i = 0; i < 10; i++) {
            c.readLong(8, k -> k.getLong(0));
        }
        try (PfnCache.Section s = c.enter()) {
            assertFalse(s.check(PAGE - 4)); // len leaves the page: a counted miss
        }
        vm.mm().migrate(HVA + PAGE);
        c.readLong(8, k -> k.getLong(0)); // a miss, a refresh, a hit
        CacheStats s = c.stats();
        assertEquals(13, s.checks());
        assertEquals(11, s.hits());
        assertEquals(11.0 / 13, s.hitRate(), 1e-9);
    }

    @Test
    void aFailedNonBlockableInvalidationIsCountedAsAFailure() {
        vm(Vm.builder().strategy(InvalidationStrategy.rwlockTry()));
        PfnCache c = vm.newCache();
        c.activate(PAGE, 8);
        try (PfnCache.Section s = c.enter()) {
            assertTrue(s.check(8));
            Thread reaper = new Thread(() -> vm.mm().oomReap(1, Duration.ZERO), "oom_reaper");
            reaper.start();
            joinQuietly(reaper);
        }
        VmStats v = vm.stats();
        assertTrue(v.invalidationFailures() >= 1, v.toString());
        assertTrue(v.notifierFailures() >= 1, v.toString());
    }

    @Test
    void jfrRecordsInvalidationsRefreshesReapsGracePeriodsAndGuardReports() throws Exception {
        Path file = Files.createTempFile("pfncache", ".jfr");
        try (Recording r = new Recording()) {
            for (String e : List.of("Invalidation", "Refresh", "OomReap", "GracePeriod", "GuardReport")) {
                r.enable("org.pfncache." + e).withThreshold(Duration.ZERO);
            }
            r.start();
            vm(Vm.builder().strategy(InvalidationStrategy.srcu()).preemption(PreemptionModel.RT)
                    .guardPolicy(GuardPolicy.REPORT).guardLogging(false));
            PfnCache c = vm.newCache();
            c.activate(PAGE, 8);
            vm.mm().migrate(HVA + PAGE);              // a blockable invalidation that waits a grace period
            c.readLong(8, k -> k.getLong(0));         // a refresh
            Thread reaper = new Thread(() -> vm.mm().oomReap(1, Duration.ZERO), "oom_reaper");
            reaper.start();                           // RT + spinlock_t notifier locks: a BUG report
            joinQuietly(reaper);
            new org.pfncache.sync.Srcu("test").synchronize(); // a grace period with nobody inside
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Files.deleteIfExists(file);
        Map<String, List<RecordedEvent>> byName = events.stream()
                .collect(Collectors.groupingBy(e -> e.getEventType().getName()));
        RecordedEvent migrate = byName.get("org.pfncache.Invalidation").stream()
                .filter(e -> "MIGRATE".equals(e.getString("cause"))).findFirst().orElseThrow();
        assertEquals(1, migrate.getInt("cachesCleared"));
        assertEquals(1, migrate.getInt("cachesWalked"));
        assertEquals("OK", migrate.getString("outcome"));
        assertEquals(HVA + PAGE, migrate.getLong("start"));
        List<RecordedEvent> refreshes = byName.get("org.pfncache.Refresh");
        assertEquals(2, refreshes.size(), "activation and the refresh after migration");
        assertEquals("MAPPED", refreshes.get(1).getString("outcome"));
        assertEquals("srcu", refreshes.get(1).getString("strategy"));
        assertEquals(1, byName.get("org.pfncache.OomReap").size());
        assertTrue(byName.containsKey("org.pfncache.GracePeriod"), byName.keySet().toString());
        RecordedEvent bug = byName.get("org.pfncache.GuardReport").get(0);
        assertEquals("BUG", bug.getString("kind"));
        assertTrue(bug.getString("splat").contains("name: oom_reaper"), bug.getString("splat"));
    }

    /** Vm.Builder.memoryChecks(false): a use after free goes uncounted (the detector is off). */
    @Test
    void memoryChecksOffLeavesStaleAccessesUncounted() {
        for (boolean checks : new boolean[] {true, false}) {
            vm(Vm.builder().strategy(InvalidationStrategy.seqcount()).memoryChecks(checks));
            PfnCache c = vm.newCache();
            c.activate(PAGE, 8);
            try (PfnCache.Section s = c.enter()) {
                assertTrue(s.check(8));
                vm.mm().munmap(HVA + PAGE, PAGE); // SEQCOUNT does not drain: the page goes under the reader
                s.khva().getLong(0);
            }
            assertEquals(checks ? 1 : 0, vm.mm().audit().staleAccesses(), "memoryChecks(" + checks + ")");
            vm.close();
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertFalse(t.isAlive(), t.getName() + " did not finish");
    }
}
