package org.pfncache.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import org.pfncache.GuardPolicy;
import org.pfncache.Khva;
import org.pfncache.PfnCache;
import org.pfncache.PfnCacheFaultException;
import org.pfncache.Vm;
import org.pfncache.guard.GuardReport;
import org.pfncache.host.HostMm;
import org.pfncache.host.MemoryAudit;
import org.pfncache.host.OomReapResult;

/**
 * One scenario run: vCPU threads reading and writing through their caches while one host thread
 * invalidates, then the Vm closed and the memory audited.
 *
 * <p>Set-up. A region of {@link #MIN_REGION_PAGES} pages (more with many vCPUs) is mmapped at
 * {@link #REGION_HVA} and covered by memslot 0 from gfn 0. vCPU {@code i} owns
 * {@link #CACHES_PER_VCPU} caches on pages {@code 4i..4i+3}, each at its own page offset; the
 * invalidator works on exactly those cached pages, so every invalidation reaches a cache.
 *
 * <p>Run protocol. All threads are daemons, started and then released together by one latch.
 * The invalidator stops at the deadline (its own clock: nothing here sleeps to synchronise);
 * main joins it, raises {@link #stop} and joins the vCPUs. A thread still alive at
 * duration + hang timeout is hung: it is interrupted and abandoned (a daemon cannot keep the JVM
 * up). {@code vm.close()} and the audit run on a daemon thread under the same bound, since a
 * broken strategy can hang deactivation too. The per-thread counters are plain fields written by
 * their own thread; {@code join} orders them before main reads them (for a hung thread the
 * numbers are a best-effort racy read).
 */
final class Scenario {
    static final long REGION_HVA = 0x7f00_0000_0000L;
    static final int MIN_REGION_PAGES = 64;
    static final int CACHES_PER_VCPU = 4;
    static final int ACCESS_LEN = 8;
    /** Per reap: attempts and the pause between them, short so that a run sees many reaps. */
    static final int REAP_ATTEMPTS = 3;
    static final Duration REAP_PAUSE = Duration.ofMillis(5);
    /**
     * Invalidations per run, at most: the host thread is paced to spread them over the duration
     * (rate limiting only; nothing waits for another thread this way).
     */
    static final long MAX_INVALIDATIONS = 50_000;
    /**
     * Guard reports per run after which the host thread stops invalidating. The guard keeps every
     * report, with its stack, in a copy-on-write list, so an unbounded number would cost memory
     * and quadratic time; the verdict is BUG long before this.
     */
    static final int REPORT_BUDGET = 20_000;
    /** How long vm.close() and the audit may take once a thread has already hung. */
    static final Duration CLEANUP_AFTER_HANG = Duration.ofSeconds(2);

    private static final int PAGE = PfnCache.PAGE_SIZE;

    private final ScenarioConfig config;
    private final int regionPages;
    private final CountDownLatch go = new CountDownLatch(1);
    private volatile boolean stop;
    /** System.nanoTime() of the run's start and end; written before {@link #go} opens, read after. */
    private long start;
    private long deadline;
    /** Guard reports so far, counted by the Vm's guard listener on the reporting thread. */
    private final AtomicInteger reportCount = new AtomicInteger();
    /** Reports of the context under test, in order (bounded by REPORT_BUDGET). */
    private final List<GuardReport> contextReports = java.util.Collections.synchronizedList(new ArrayList<>());
    /**
     * The thread restoring memory after an OOM reap, while it does so (else null). Its munmap is a
     * blockable invalidation, the munmap column's business: its reports are counted apart so the
     * oom column judges only what the reaper did.
     */
    private volatile Thread restoring;
    private final AtomicInteger restoreReports = new AtomicInteger();
    private Vm vm;

    private Scenario(ScenarioConfig config) {
        this.config = config;
        this.regionPages = Math.max(MIN_REGION_PAGES, config.readers() * CACHES_PER_VCPU);
    }

    private void onReport(GuardReport r) {
        reportCount.incrementAndGet();
        if (Thread.currentThread() == restoring) {
            restoreReports.incrementAndGet();
        } else if (contextReports.size() < REPORT_BUDGET) {
            contextReports.add(r);
        }
    }

    /** Runs {@code config} once; a strategy whose newCacheLock is unsupported gives an N/A result. */
    static ScenarioResult run(ScenarioConfig config) throws InterruptedException {
        return new Scenario(config).run();
    }

    private ScenarioResult run() throws InterruptedException {
        vm = Vm.builder()
                .strategy(config.strategy())
                .preemption(config.preemption())
                .notifierLock(config.notifierLock())
                .mmuLock(config.mmuLock())
                .guardPolicy(GuardPolicy.REPORT)
                .guardLogging(false) // the CLI counts and prints the splats itself
                .guardListener(this::onReport)
                .build();
        List<String> hangs = new ArrayList<>();
        List<ScenarioResult.Failure> errors = new ArrayList<>();
        Vcpu[] vcpus = new Vcpu[config.readers()];
        try {
            vm.mm().mmap(REGION_HVA, (long) regionPages * PAGE);
            vm.memslots().set(0, 0, regionPages, REGION_HVA);
            for (int i = 0; i < vcpus.length; i++) {
                vcpus[i] = new Vcpu(i);
            }
        } catch (UnsupportedOperationException e) {
            try {
                vm.close();
            } catch (RuntimeException ignored) {
                // Nothing of an unimplemented strategy is left to clean up; the verdict is N/A either way.
            }
            return ScenarioResult.notAvailable(config, e.getMessage());
        } catch (RuntimeException e) {
            errors.add(ScenarioResult.Failure.of("setup", e));
        }
        Invalidator invalidator = new Invalidator();
        long elapsed = errors.isEmpty() ? runThreads(vcpus, invalidator, hangs, errors) : 0;
        MemoryAudit audit = closeAndAudit(hangs, errors);

        long reads = 0;
        long writes = 0;
        long faults = 0;
        long mismatches = 0;
        for (Vcpu v : vcpus) {
            if (v != null) {
                reads += v.reads;
                writes += v.writes;
                faults += v.faults;
                mismatches += v.mismatches;
            }
        }
        return new ScenarioResult(config, null, elapsed,
                new ScenarioResult.Operations(reads, writes, faults, mismatches), invalidator.counts(),
                audit, List.copyOf(contextReports), restoreReports.get(), hangs, errors, vm.stats());
    }

    /** Starts every thread, releases them together, stops and joins them; returns the run's wall time. */
    private long runThreads(Vcpu[] vcpus, Invalidator invalidator, List<String> hangs,
                            List<ScenarioResult.Failure> errors) throws InterruptedException {
        List<Worker> workers = new ArrayList<>(List.of(vcpus));
        workers.add(invalidator);
        for (Worker w : workers) {
            w.thread.start();
        }
        start = System.nanoTime();
        deadline = start + config.duration().toNanos();
        go.countDown(); // publishes start and deadline (countDown happens-before await returns)
        long joinBy = deadline + config.hangTimeout().toNanos();
        joinUntil(invalidator.thread, joinBy);
        stop = true;
        for (Vcpu v : vcpus) {
            joinUntil(v.thread, joinBy);
        }
        long elapsed = System.nanoTime() - start;
        for (Worker w : workers) {
            if (w.thread.isAlive()) {
                hangs.add(w.thread.getName());
                w.thread.interrupt();
            }
            if (w.error != null) {
                errors.add(ScenarioResult.Failure.of(w.thread.getName(), w.error));
            }
        }
        return elapsed;
    }

    /** vm.close() then the audit, each bounded; a close that does not finish is a hang. */
    private MemoryAudit closeAndAudit(List<String> hangs, List<ScenarioResult.Failure> errors)
            throws InterruptedException {
        Duration bound = hangs.isEmpty() ? config.hangTimeout() : CLEANUP_AFTER_HANG;
        Bounded<MemoryAudit> closed = Bounded.call("vm-close", () -> {
            vm.close();
            return vm.mm().audit();
        }, bound);
        if (closed.value != null) {
            return closed.value;
        }
        if (closed.timedOut) {
            hangs.add("vm.close");
        } else {
            errors.add(ScenarioResult.Failure.of("vm.close", closed.failure));
        }
        // Audit anyway: what it counts (stale accesses, corrupted free pages) does not need a closed Vm.
        Bounded<MemoryAudit> audit = Bounded.call("audit", () -> vm.mm().audit(), CLEANUP_AFTER_HANG);
        if (audit.failure != null) {
            errors.add(ScenarioResult.Failure.of("audit", audit.failure));
        }
        return audit.value;
    }

    /** An unstarted daemon thread. */
    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void joinUntil(Thread t, long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
    }

    /** A run's thread: a daemon named as the kernel would show it, released by {@link #go}. */
    private abstract class Worker implements Runnable {
        final Thread thread;
        /** The unexpected exception that ended the thread, if any. */
        Throwable error;

        Worker(String name) {
            thread = daemon(this, name);
        }

        @Override
        public final void run() {
            try {
                go.await();
            } catch (InterruptedException e) {
                return; // abandoned before the start
            }
            try {
                work();
            } catch (Throwable t) {
                error = t;
            }
        }

        abstract void work();
    }

    /**
     * A vCPU: round-robin over its caches, write a fresh tag then read it back, each through the
     * R7 loop. A fault (the memory was reaped or unmapped) is counted, and that cache is left
     * alone until its page is mapped again, so a vCPU never spins on faults; its next access
     * refreshes it. A read-back other than the tag is a mismatch, except a zero where the event
     * replaces the page with a fresh one.
     */
    private final class Vcpu extends Worker {
        private final int id;
        private final PfnCache[] caches = new PfnCache[CACHES_PER_VCPU];
        private final long[] pageHvas = new long[CACHES_PER_VCPU];
        private final boolean[] faulted = new boolean[CACHES_PER_VCPU];
        private final Consumer<Khva> writer = k -> k.putLong(0, currentTag());
        private final Function<Khva, Long> reader = k -> k.getLong(0);
        private long tag;
        long reads;
        long writes;
        long faults;
        long mismatches;

        /** Makes and activates the caches, on the calling (set-up) thread. */
        Vcpu(int id) {
            super("vcpu" + id);
            this.id = id;
            for (int j = 0; j < CACHES_PER_VCPU; j++) {
                int page = id * CACHES_PER_VCPU + j;
                pageHvas[j] = REGION_HVA + (long) page * PAGE;
                caches[j] = vm.newCache();
                caches[j].activate(((long) page << 12) | (j * 64L), ACCESS_LEN);
            }
        }

        private long currentTag() {
            return tag;
        }

        @Override
        void work() {
            HostMm mm = vm.mm();
            int skipped = 0;
            for (long n = 0; !stop; n++) {
                int c = (int) (n % CACHES_PER_VCPU);
                if (faulted[c]) {
                    if (mm.pfn(pageHvas[c]) == -1) {
                        if (++skipped == CACHES_PER_VCPU) {
                            Thread.yield(); // every cache waits for its memory: let the host thread run
                            skipped = 0;
                        }
                        continue;
                    }
                    faulted[c] = false;
                }
                skipped = 0;
                access(c, n);
            }
        }

        private void access(int c, long n) {
            // Never zero, unique per vCPU and access, so a read-back of another write shows.
            tag = ((long) (id + 1) << 40) | ((n + 1) & 0xff_ffff_ffffL);
            try {
                caches[c].write(ACCESS_LEN, writer);
                writes++;
                long v = caches[c].read(ACCESS_LEN, reader);
                reads++;
                if (v != tag && !(v == 0 && config.context().losesContents())) {
                    mismatches++;
                }
            } catch (PfnCacheFaultException e) {
                faults++;
                faulted[c] = true;
            }
        }
    }

    /**
     * The host thread: one invalidation per step, at least one and then until the deadline (or
     * the report budget), paced so that at most {@link #MAX_INVALIDATIONS} fit in the duration.
     */
    private final class Invalidator extends Worker {
        String stoppedBy = "not started";
        long count;
        long reapCalls;
        long reapAttempts;
        long reapsComplete;
        long reapsIncomplete;
        long rangesReaped;
        long rangesRetried;

        Invalidator() {
            super(config.context().threadName);
        }

        @Override
        void work() {
            long period = Math.max(1, config.duration().toNanos() / MAX_INVALIDATIONS);
            stoppedBy = "deadline";
            try {
                for (;;) {
                    long now = System.nanoTime();
                    // At least one invalidation, however late this thread got a core: a run
                    // without any would say nothing about the strategy.
                    if (now - deadline >= 0 && count > 0) {
                        return;
                    }
                    if (stop || Thread.currentThread().isInterrupted()) {
                        stoppedBy = "stop";
                        return;
                    }
                    if (reportCount.get() >= REPORT_BUDGET) {
                        stoppedBy = "report budget";
                        return;
                    }
                    long due = start + count * period;
                    if (due - now > 0) {
                        LockSupport.parkNanos(due - now); // rate limit, see MAX_INVALIDATIONS
                        continue;
                    }
                    step();
                    count++;
                }
            } catch (RuntimeException | Error e) {
                stoppedBy = "error";
                throw e;
            }
        }

        ScenarioResult.Invalidations counts() {
            return new ScenarioResult.Invalidations(count, reapCalls, reapAttempts, reapsComplete, reapsIncomplete,
                    rangesReaped, rangesRetried, stoppedBy);
        }

        private void step() {
            HostMm mm = vm.mm();
            long cached = (long) config.readers() * CACHES_PER_VCPU;
            long hva = REGION_HVA + (count % cached) * PAGE;
            switch (config.context()) {
                case MUNMAP -> {
                    mm.munmap(hva, PAGE);
                    mm.mmap(hva, PAGE);
                }
                case MIGRATE -> mm.migrate(hva);
                case OOM -> {
                    OomReapResult r = mm.oomReap(REAP_ATTEMPTS, REAP_PAUSE);
                    reapCalls++;
                    reapAttempts += r.attempts();
                    rangesReaped += r.rangesReaped();
                    rangesRetried += r.rangesRetried();
                    if (r.complete()) {
                        reapsComplete++;
                    } else {
                        reapsIncomplete++;
                    }
                    // The VMM gets its memory back: unmap what the reaper left and map it afresh.
                    long len = (long) regionPages * PAGE;
                    restoring = Thread.currentThread();
                    try {
                        mm.munmap(REGION_HVA, len);
                        mm.mmap(REGION_HVA, len);
                        mm.clearOomSkip(); // a new victim for the next reap
                    } finally {
                        restoring = null;
                    }
                }
            }
        }
    }

    /** The outcome of a task run on its own daemon thread under a time bound. */
    record Bounded<T>(T value, Throwable failure, boolean timedOut) {
        static <T> Bounded<T> call(String threadName, Callable<T> task, Duration bound) throws InterruptedException {
            FutureTask<T> f = new FutureTask<>(task);
            Thread t = daemon(f, threadName);
            t.start();
            try {
                return new Bounded<>(f.get(bound.toNanos(), TimeUnit.NANOSECONDS), null, false);
            } catch (ExecutionException e) {
                return new Bounded<>(null, e.getCause(), false);
            } catch (TimeoutException e) {
                t.interrupt();
                return new Bounded<>(null, null, true);
            }
        }
    }
}
