package org.pfncache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pfncache.guard.ReaderStallReport;
import org.pfncache.host.MemoryAudit;

/**
 * Issue 9 item 6: a read section that is never closed. A writer that waits on it reports a stall
 * naming the reader thread (and, with recording on, where it entered); Vm.close() finishes in
 * bounded time, reports what it could not free and leaks it, which the audit then shows.
 */
class ReaderStallTest {
    private static final long HVA = 0x7f00_0000_0000L;
    private static final int PAGE = PfnCache.PAGE_SIZE;
    private final BlockingQueue<ReaderStallReport> stalls = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void stopThreads() throws InterruptedException {
        for (Thread t : threads) {
            t.interrupt();
            t.join(10_000);
        }
    }

    private Vm vm(String strategy, boolean recordSites) {
        Vm vm = Vm.builder().strategy(InvalidationStrategy.byName(strategy)).physicalPages(64)
                .readerStallTimeout(Duration.ofMillis(300)).readerStallListener(stalls::add)
                .recordSectionSites(recordSites).build();
        vm.mm().mmap(HVA, 4L * PAGE);
        vm.memslots().set(0, 0, 4, HVA);
        return vm;
    }

    private Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    private ReaderStallReport nextStall() throws InterruptedException {
        ReaderStallReport r = stalls.poll(30, TimeUnit.SECONDS);
        assertNotNull(r, "no reader-stall report within 30 s");
        return r;
    }

    /**
     * munmap waits for a reader that does not leave (RWLOCK: the write side; SRCU: the grace
     * period). The stall is reported, naming the reader thread; with recording, also the method
     * that entered. Once the reader leaves, munmap completes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rwlock", "srcu"})
    void aWriterWaitingOnAStuckReaderReportsIt(String strategy) throws Exception {
        for (boolean record : new boolean[] {false, true}) {
            stalls.clear();
            Vm vm = vm(strategy, record);
            PfnCache c = vm.newCache();
            c.activate(0x1000, 8);
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch leave = new CountDownLatch(1);
            start("vcpu-stuck", () -> {
                PfnCache.Section s = c.enter();
                s.check(8);
                inside.countDown();
                try {
                    leave.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                s.close();
            });
            assertTrue(inside.await(30, TimeUnit.SECONDS));
            Thread unmap = start("munmap", () -> vm.mm().munmap(HVA + PAGE, PAGE));
            ReaderStallReport r = nextStall();
            String text = r.format();
            assertEquals("munmap", r.waiter(), text);
            assertFalse(r.gaveUp(), text);
            assertTrue(r.readers().stream().anyMatch(s -> s.contains("vcpu-stuck")), text);
            if (record) {
                assertTrue(r.openSections().stream().anyMatch(s -> s.contains("vcpu-stuck")
                        && s.contains("aWriterWaitingOnAStuckReaderReportsIt")), text);
                assertTrue(text.contains(strategy), text);
            }
            leave.countDown();
            unmap.join(30_000);
            assertFalse(unmap.isAlive(), "munmap completes once the reader left");
            vm.close();
            assertEquals(0, vm.mm().audit().pagesMapped());
        }
    }

    /**
     * The reader thread dies inside its section. close() returns within bounded time for every
     * strategy, reports the leak (naming the dead reader), and the audit shows the pinned mapping.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rwlock", "rwlock-try", "srcu", "seqcount"})
    void closeWithADeadReaderFinishesReportsAndLeaks(String strategy) throws Exception {
        Vm vm = vm(strategy, true);
        PfnCache c = vm.newCache();
        c.activate(0x1000, 8);
        Thread dead = start("vcpu-dead", () -> {
            PfnCache.Section s = c.enter(); // never closed: the thread ends inside its section
            s.check(8);
        });
        dead.join(30_000);
        assertFalse(dead.isAlive());
        // SEQCOUNT drains nothing at deactivation; its unmap waits for the grace period in close.
        assertTimeoutPreemptively(Duration.ofSeconds(30), vm::close, "close() must not hang on a dead reader");
        // A slow close may first report the stall (blocked for more than the threshold), then give up.
        ReaderStallReport r = nextStall();
        for (int i = 0; i < 4 && !r.gaveUp(); i++) {
            r = nextStall();
        }
        String text = r.format();
        assertTrue(r.gaveUp(), text);
        assertTrue(text.contains("vcpu-dead"), text);
        assertTrue(text.contains("leak"), text);
        MemoryAudit a = vm.mm().audit();
        assertTrue(a.pagesMapped() >= 1, "the pinned mapping is leaked, and the audit shows it: " + a);
        assertEquals(0, a.staleAccesses(), a.toString());
    }
}
