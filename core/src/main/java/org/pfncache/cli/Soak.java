package org.pfncache.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.Khva;
import org.pfncache.PfnCache;
import org.pfncache.PfnCacheFaultException;
import org.pfncache.PreemptionModel;
import org.pfncache.Vm;
import org.pfncache.guard.GuardReport;
import org.pfncache.host.HostMm;
import org.pfncache.host.MemoryAudit;
import org.pfncache.host.OomReapResult;

/**
 * {@code pfncache soak}: every chosen strategy in turn, for its share of the duration, under
 * everything at once: vCPU threads writing and verifying through their caches, a host thread
 * migrating, unmapping and re-mapping pages and changing memslots, an OOM reaper thread reaping
 * the whole mm and giving the memory back, and the vCPUs deactivating and re-activating their
 * caches (gpa-based and hva-based in turn). Then the Vm is closed and the memory audited.
 *
 * <p>Verification. A vCPU owns its pages: cache {@code c} of vCPU {@code v} moves between the
 * vCPU's pages {@code 2c} and {@code 2c+1} when it is churned, and the record it writes is 16
 * bytes, a sequence number and its complement under {@link #MAGIC}. Before each write the vCPU
 * reads the page's record back: it must be the page's last write, unless an event that takes
 * the contents away (munmap+mmap of the page, an OOM reap and the restore) overlapped the span
 * from before that write to after this read, in which case a zero page is accepted too. A record
 * whose halves disagree is torn; a consistent record that is not the last write (or zeroes with
 * no such event) is a lost write. The overlap test uses two counters per page, events started
 * and events finished: the write samples finished, the read then samples started, and equal
 * samples mean that every event that had started had also finished before the write.
 *
 * <p>Threads and pacing. Default 2 vCPUs, the host thread and the reaper: four threads on a
 * 2-core machine. The host thread and the reaper are rate-limited ({@link #HOST_PERIOD},
 * {@link #REAP_PERIOD}) so that the vCPUs get the cores most of the time; the main thread only
 * waits for the host thread (which stops at the deadline by its own clock) and prints progress.
 * Nothing sleeps to wait for another thread; every join is bounded, and a thread still alive at
 * the deadline plus {@link Config#hangTimeout()} is reported hung.
 */
final class Soak {
    static final long REGION_HVA = 0x7f00_0000_0000L;
    static final int RECORD_LEN = 16;
    /** The record's second half is the sequence number xor this, so a torn record shows. */
    static final long MAGIC = 0x5a5a_a5a5_0f0f_f0f0L;
    static final Duration HOST_PERIOD = Duration.ofNanos(250_000);
    static final Duration REAP_PERIOD = Duration.ofMillis(25);
    static final int REAP_ATTEMPTS = 3;
    static final Duration REAP_PAUSE = Duration.ofMillis(5);
    /** A cache is churned (deactivated and activated on its other page) after this many accesses, give or take. */
    static final int CHURN_MIN = 256;
    static final int CHURN_SPREAD = 2048;
    static final int DEFAULT_VCPUS = 2;
    static final int MAX_VCPUS = 16;
    static final int DEFAULT_CACHES = 4;
    static final int MAX_CACHES = 64;
    static final Duration DEFAULT_DURATION = Duration.ofMinutes(1);
    static final Duration MAX_DURATION = Duration.ofHours(24);
    static final Duration DEFAULT_PROGRESS = Duration.ofSeconds(5);
    private static final int PAGE = PfnCache.PAGE_SIZE;

    /**
     * A soak: the strategies in order, the whole duration (split evenly between them), vCPU
     * threads and caches per vCPU, the preemption model, how often progress is printed and how
     * long past its share a strategy's threads may take to stop before they count as hung.
     */
    record Config(List<InvalidationStrategy> strategies, Duration duration, int vcpus, int cachesPerVcpu,
                  PreemptionModel preemption, Duration progressEvery, Duration hangTimeout) {
        Config {
            strategies = List.copyOf(strategies);
            if (strategies.isEmpty()) {
                throw new IllegalArgumentException("no strategy to soak");
            }
            Objects.requireNonNull(preemption, "preemption");
            if (vcpus < 1 || vcpus > MAX_VCPUS || cachesPerVcpu < 1 || cachesPerVcpu > MAX_CACHES) {
                throw new IllegalArgumentException("vcpus in [1, " + MAX_VCPUS + "], caches in [1, " + MAX_CACHES + "]");
            }
            if (!positive(duration) || !positive(progressEvery) || !positive(hangTimeout)) {
                throw new IllegalArgumentException("durations must be positive");
            }
        }

        private static boolean positive(Duration d) {
            return !d.isNegative() && !d.isZero();
        }

        static Config defaults() {
            return new Config(InvalidationStrategy.builtIns(), DEFAULT_DURATION, DEFAULT_VCPUS, DEFAULT_CACHES,
                    PreemptionModel.NONE, DEFAULT_PROGRESS, ScenarioConfig.DEFAULT_HANG_TIMEOUT);
        }

        /** Each strategy's share of the duration. */
        Duration perStrategy() {
            return duration.dividedBy(strategies.size());
        }
    }

    /** The whole soak: one result per strategy, in order, and the heap before the first. */
    record Report(Config config, List<SoakResult> results, long heapBeforeBytes, long elapsedNanos) {
        boolean passed() {
            return results.stream().allMatch(SoakResult::passed);
        }
    }

    private Soak() {
    }

    /** Runs every strategy of {@code config} in turn; progress and each strategy's block go to {@code progress}. */
    static Report run(Config config, PrintStream progress) throws InterruptedException {
        long start = System.nanoTime();
        long heapBefore = heapUsedAfterGc();
        progress.printf("soak: %d strategies x %s (%s in all), %d vCPUs x %d caches, host thread, OOM reaper,"
                        + " preemption %s, guard REPORT%n", config.strategies().size(),
                SoakResult.formatDuration(config.perStrategy()), SoakResult.formatDuration(config.duration()),
                config.vcpus(), config.cachesPerVcpu(), ScenarioConfig.cliName(config.preemption()));
        List<SoakResult> results = new ArrayList<>();
        for (InvalidationStrategy s : config.strategies()) {
            SoakResult r = new Run(config, s, progress).run();
            results.add(r);
            progress.println(r.line());
            progress.flush();
        }
        return new Report(config, List.copyOf(results), heapBefore, System.nanoTime() - start);
    }

    /**
     * Heap in use after a full collection, as the MemoryMXBean reports it. The bean is reached
     * reflectively: the org.pfncache module does not require java.management (a library need
     * not), and where that module is absent from the boot layer the Runtime's figure stands in.
     */
    static long heapUsedAfterGc() {
        System.gc();
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getMemoryMXBean")
                    .invoke(null);
            Object usage = Class.forName("java.lang.management.MemoryMXBean").getMethod("getHeapMemoryUsage")
                    .invoke(bean);
            return (Long) Class.forName("java.lang.management.MemoryUsage").getMethod("getUsed").invoke(usage);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Runtime rt = Runtime.getRuntime();
            return rt.totalMemory() - rt.freeMemory();
        }
    }

    /** One strategy's soak. */
    private static final class Run {
        private final Config config;
        private final InvalidationStrategy strategy;
        private final PrintStream progress;
        private final int regionPages;
        private final int slot0Pages;
        /** Per page: content-losing events started, and finished (see the class comment). */
        private final AtomicLongArray eventsStarted;
        private final AtomicLongArray eventsFinished;
        /** Bumped after every host or reaper step: a faulted cache is retried once it moves. */
        private final AtomicLong hostEvents = new AtomicLong();
        /** The VMM's own lock over its address-space layout: munmap+mmap pairs never interleave. */
        private final ReentrantLock layout = new ReentrantLock();
        private volatile boolean stop;
        private long deadline;
        private final AtomicLong bugReports = new AtomicLong();
        private final AtomicLong warnReports = new AtomicLong();
        private volatile GuardReport firstBug;
        private volatile GuardReport firstWarn;
        private Vm vm;

        Run(Config config, InvalidationStrategy strategy, PrintStream progress) {
            this.config = config;
            this.strategy = strategy;
            this.progress = progress;
            this.regionPages = config.vcpus() * config.cachesPerVcpu() * 2;
            this.slot0Pages = regionPages / 2;
            this.eventsStarted = new AtomicLongArray(regionPages);
            this.eventsFinished = new AtomicLongArray(regionPages);
        }

        private void onReport(GuardReport r) {
            if (r.kind() == GuardReport.Kind.WARN) {
                if (warnReports.getAndIncrement() == 0) {
                    firstWarn = r;
                }
            } else if (bugReports.getAndIncrement() == 0) {
                firstBug = r;
            }
        }

        SoakResult run() throws InterruptedException {
            Duration share = config.perStrategy();
            List<String> hangs = new ArrayList<>();
            List<ScenarioResult.Failure> errors = new ArrayList<>();
            vm = Vm.builder()
                    .strategy(strategy)
                    .preemption(config.preemption())
                    .guardPolicy(GuardPolicy.REPORT)
                    .guardLogging(false)
                    .guardListener(this::onReport)
                    .physicalPages(Math.max(1024, regionPages * 2 + 64))
                    .build();
            Vcpu[] vcpus = new Vcpu[config.vcpus()];
            Host host = new Host();
            Reaper reaper = new Reaper();
            long elapsed = 0;
            try {
                vm.mm().mmap(REGION_HVA, (long) regionPages * PAGE);
                vm.memslots().set(0, 0, slot0Pages, REGION_HVA);
                vm.memslots().set(1, slot0Pages, regionPages - slot0Pages, REGION_HVA + (long) slot0Pages * PAGE);
                for (int i = 0; i < vcpus.length; i++) {
                    vcpus[i] = new Vcpu(i);
                }
            } catch (RuntimeException e) {
                errors.add(ScenarioResult.Failure.of("setup", e));
            }
            if (errors.isEmpty()) {
                elapsed = runThreads(share, vcpus, host, reaper, hangs, errors);
            }
            MemoryAudit audit = null;
            Scenario.Bounded<MemoryAudit> closed = Scenario.Bounded.call("vm-close", () -> {
                vm.close();
                return vm.mm().audit();
            }, hangs.isEmpty() ? config.hangTimeout() : Scenario.CLEANUP_AFTER_HANG);
            if (closed.value() != null) {
                audit = closed.value();
            } else if (closed.timedOut()) {
                hangs.add("vm.close");
            } else {
                errors.add(ScenarioResult.Failure.of("vm.close", closed.failure()));
            }
            long notifierFailures = vm.mm().notifierFailures();

            SoakResult.Operations ops = sum(vcpus);
            SoakResult result = new SoakResult(strategy.name(), strategy.drainsReaders(), share.toMillis(),
                    elapsed, ops, host.counts(), reaper.counts(), notifierFailures, bugReports.get(),
                    warnReports.get(), firstBug != null ? firstBug.format() : firstWarn != null ? firstWarn.format() : null,
                    audit, 0, hangs, errors);
            // Drop this run's Vm and threads' state before measuring what is left.
            vm = null;
            java.util.Arrays.fill(vcpus, null);
            return result.withHeapAfterClose(heapUsedAfterGc());
        }

        private long runThreads(Duration share, Vcpu[] vcpus, Host host, Reaper reaper, List<String> hangs,
                                List<ScenarioResult.Failure> errors) throws InterruptedException {
            List<Worker> workers = new ArrayList<>(List.of(vcpus));
            workers.add(host);
            workers.add(reaper);
            long start = System.nanoTime();
            deadline = start + share.toNanos();
            for (Worker w : workers) {
                w.thread.start();
            }
            long joinBy = deadline + config.hangTimeout().toNanos();
            long nextProgress = start + config.progressEvery().toNanos();
            // The host thread stops at the deadline by its own clock; meanwhile report progress.
            while (host.thread.isAlive() && System.nanoTime() - joinBy < 0) {
                long until = Math.min(nextProgress, joinBy);
                long left = until - System.nanoTime();
                if (left > 0) {
                    TimeUnit.NANOSECONDS.timedJoin(host.thread, left);
                }
                if (host.thread.isAlive() && System.nanoTime() - nextProgress >= 0) {
                    printProgress(start, vcpus, host, reaper);
                    nextProgress += config.progressEvery().toNanos();
                }
            }
            stop = true;
            for (Worker w : workers) {
                long left = joinBy - System.nanoTime();
                if (left > 0) {
                    TimeUnit.NANOSECONDS.timedJoin(w.thread, left);
                }
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

        private void printProgress(long start, Vcpu[] vcpus, Host host, Reaper reaper) {
            SoakResult.Operations o = sum(vcpus);
            double secs = (System.nanoTime() - start) / 1e9;
            progress.printf("soak: %-10s %4.0fs/%s  %d ops (%s/s), %d verified, %d lost, %d torn, %d faults;"
                            + " host %d steps, %d reaps; stale %d, freed-writes %d%n",
                    strategy.name(), secs, SoakResult.formatDuration(config.perStrategy()), o.operations(),
                    SoakResult.rate(o.operations() / Math.max(secs, 1e-9)), o.verified(), o.lostWrites(),
                    o.tornWrites(), o.faults(),
                    host.steps, reaper.calls, vm.memory().staleAccesses(), vm.memory().writesToFreedPages());
            progress.flush();
        }

        /** The vCPUs' counts, summed (racy while they run: progress only; exact once they are joined). */
        private static SoakResult.Operations sum(Vcpu[] vcpus) {
            long reads = 0, writes = 0, verified = 0, lost = 0, torn = 0, wiped = 0, faults = 0, churns = 0;
            for (Vcpu v : vcpus) {
                if (v != null) {
                    reads += v.reads;
                    writes += v.writes;
                    verified += v.verified;
                    lost += v.lost;
                    torn += v.torn;
                    wiped += v.wiped;
                    faults += v.faults;
                    churns += v.churns;
                }
            }
            return new SoakResult.Operations(reads, writes, verified, lost, torn, wiped, faults, churns);
        }

        private void eventStart(int page) {
            eventsStarted.incrementAndGet(page);
        }

        private void eventEnd(int page) {
            eventsFinished.incrementAndGet(page);
        }

        private abstract class Worker implements Runnable {
            final Thread thread;
            Throwable error;

            Worker(String name) {
                thread = new Thread(this, name);
                thread.setDaemon(true);
            }

            @Override
            public final void run() {
                try {
                    work();
                } catch (Throwable t) {
                    error = t;
                }
            }

            abstract void work();

            /** Rate limit: park until {@code due} (pacing only; no other thread is waited for). */
            final void paceUntil(long due) {
                long left;
                while (!stop && (left = due - System.nanoTime()) > 0 && !Thread.currentThread().isInterrupted()) {
                    LockSupport.parkNanos(left);
                }
            }
        }

        /**
         * A vCPU: round-robin over its caches; each access reads the page's record back and
         * checks it, then writes the next sequence number. Faulting caches (memory reaped or
         * unmapped, memslot gone) are retried once a host or reaper step has completed.
         */
        final class Vcpu extends Worker {
            private final int id;
            private final int firstPage;
            private final int caches;
            private final PfnCache[] cache;
            /** Which of its two pages each cache is on now (0 or 1), and whether it is hva-based. */
            private final int[] side;
            private final boolean[] hvaBased;
            private final int[] untilChurn;
            private final long[] faultedAt;
            /** Per own page (index 2c + side): the last write, a write that faulted, finished-events at the write. */
            private final long[] last;
            private final long[] pending;
            private final long[] finishedAtWrite;
            private final SplittableRandom random;
            private final long[] buf = new long[2];
            private final ToLongFunction<Khva> reader = k -> {
                buf[0] = k.getLong(0);
                buf[1] = k.getLong(8);
                return 0;
            };
            private long tag;
            private final Consumer<Khva> writer = k -> {
                k.putLong(0, tag);
                k.putLong(8, tag ^ MAGIC);
            };
            private long seq;
            volatile long reads;
            volatile long writes;
            volatile long verified;
            volatile long lost;
            volatile long torn;
            volatile long wiped;
            volatile long faults;
            volatile long churns;

            Vcpu(int id) {
                super("vcpu" + id);
                this.id = id;
                this.caches = config.cachesPerVcpu();
                this.firstPage = id * caches * 2;
                this.cache = new PfnCache[caches];
                this.side = new int[caches];
                this.hvaBased = new boolean[caches];
                this.untilChurn = new int[caches];
                this.faultedAt = new long[caches];
                this.last = new long[caches * 2];
                this.pending = new long[caches * 2];
                this.finishedAtWrite = new long[caches * 2];
                this.random = new SplittableRandom(0x5eed + id);
                java.util.Arrays.fill(faultedAt, -1);
                for (int c = 0; c < caches; c++) {
                    cache[c] = vm.newCache();
                    untilChurn[c] = CHURN_MIN + random.nextInt(CHURN_SPREAD);
                    activate(c);
                }
            }

            private int page(int c) {
                return firstPage + 2 * c + side[c];
            }

            /** The record's offset in its page: a few different ones, 16-byte aligned. */
            private int offset(int c) {
                return (c % 8) * 256 + 16;
            }

            private void activate(int c) {
                int page = page(c);
                try {
                    if (hvaBased[c]) {
                        cache[c].activateHva(REGION_HVA + (long) page * PAGE + offset(c), RECORD_LEN);
                    } else {
                        cache[c].activate(((long) page << 12) + offset(c), RECORD_LEN);
                    }
                } catch (PfnCacheFaultException e) {
                    faults++;
                    faultedAt[c] = hostEvents.get();
                }
            }

            @Override
            void work() {
                int skipped = 0;
                for (long n = 0; !stop; n++) {
                    int c = (int) (n % caches);
                    if (faultedAt[c] >= 0) {
                        if (faultedAt[c] == hostEvents.get()) {
                            if (++skipped >= caches) {
                                Thread.yield(); // every cache waits for the host: let it run
                                skipped = 0;
                            }
                            continue;
                        }
                        faultedAt[c] = -1;
                    }
                    skipped = 0;
                    access(c);
                    if (--untilChurn[c] == 0) {
                        churn(c);
                    }
                }
            }

            private void churn(int c) {
                untilChurn[c] = CHURN_MIN + random.nextInt(CHURN_SPREAD);
                cache[c].deactivate();
                side[c] ^= 1;
                hvaBased[c] = random.nextBoolean();
                churns++;
                activate(c);
            }

            private void access(int c) {
                int p = page(c);
                int local = p - firstPage;
                long sampledAtFault = hostEvents.get();
                try {
                    cache[c].readLong(RECORD_LEN, reader);
                } catch (PfnCacheFaultException e) {
                    faults++;
                    faultedAt[c] = sampledAtFault;
                    return;
                }
                reads++;
                long startedNow = eventsStarted.get(p);
                check(local, buf[0], buf[1], startedNow != finishedAtWrite[local]);

                tag = ((long) (id + 1) << 48) | (++seq & 0xffff_ffff_ffffL);
                long finishedBefore = eventsFinished.get(p);
                try {
                    cache[c].write(RECORD_LEN, writer);
                } catch (PfnCacheFaultException e) {
                    // The write may have landed before the fault (an optimistic section that
                    // raced an invalidation wrote, then the refresh faulted): accept either.
                    pending[local] = tag;
                    faults++;
                    faultedAt[c] = sampledAtFault;
                    return;
                }
                writes++;
                last[local] = tag;
                pending[local] = 0;
                finishedAtWrite[local] = finishedBefore;
            }

            /** Judges one read-back of own page {@code local}; {@code overlapped}: a content-losing event may have run since the last write. */
            private void check(int local, long v0, long v1, boolean overlapped) {
                long expect = last[local];
                long maybe = pending[local];
                pending[local] = 0;
                if (v0 == 0 && v1 == 0) {
                    if (expect != 0 || maybe != 0) {
                        if (overlapped) {
                            wiped++;
                        } else {
                            lost++;
                        }
                    }
                    last[local] = 0;
                    return;
                }
                if ((v0 ^ MAGIC) != v1) {
                    torn++;
                    last[local] = v0;
                    return;
                }
                if (v0 == expect && expect != 0 || v0 == maybe && maybe != 0) {
                    verified++;
                } else {
                    lost++;
                }
                last[local] = v0;
            }
        }

        /**
         * The host thread: migrate a page, munmap+mmap a page, re-set memslot 0 (same layout, new
         * generation), delete and re-add memslot 1; one step per {@link #HOST_PERIOD} at most,
         * pages chosen at random, until the deadline.
         */
        final class Host extends Worker {
            private final SplittableRandom random = new SplittableRandom(0x4057);
            volatile long steps;
            long migrations;
            long migrationsSkipped;
            long munmaps;
            long memslotUpdates;

            Host() {
                super("qemu-host");
            }

            @Override
            void work() {
                long period = HOST_PERIOD.toNanos();
                long due = System.nanoTime();
                HostMm mm = vm.mm();
                while (!stop && System.nanoTime() - deadline < 0) {
                    int page = random.nextInt(regionPages);
                    long hva = REGION_HVA + (long) page * PAGE;
                    switch ((int) (steps % 8)) {
                        case 0, 1, 2, 3 -> migrate(mm, hva);
                        case 4, 5 -> {
                            layout.lock();
                            eventStart(page);
                            try {
                                mm.munmap(hva, PAGE);
                                mm.mmap(hva, PAGE);
                                munmaps++;
                            } finally {
                                eventEnd(page);
                                layout.unlock();
                            }
                        }
                        case 6 -> {
                            vm.memslots().set(0, 0, slot0Pages, REGION_HVA);
                            memslotUpdates++;
                        }
                        default -> {
                            vm.memslots().delete(1);
                            vm.memslots().set(1, slot0Pages, regionPages - slot0Pages,
                                    REGION_HVA + (long) slot0Pages * PAGE);
                            memslotUpdates += 2;
                        }
                    }
                    steps++;
                    hostEvents.incrementAndGet();
                    due += period;
                    paceUntil(due);
                }
            }

            private void migrate(HostMm mm, long hva) {
                if (mm.pfn(hva) < 0) {
                    migrationsSkipped++; // reaped and not yet given back
                    return;
                }
                try {
                    mm.migrate(hva);
                    migrations++;
                } catch (IllegalArgumentException e) {
                    // The reaper zapped it between the look and the migration (it may have given the
                    // memory back since, so only the message, checked under mmap_lock, says so).
                    if (e.getMessage() == null || !e.getMessage().contains("is not mapped")) {
                        throw e;
                    }
                    migrationsSkipped++;
                }
            }

            SoakResult.HostCounts counts() {
                return new SoakResult.HostCounts(steps, migrations, migrationsSkipped, munmaps, memslotUpdates);
            }
        }

        /** The OOM reaper: reap the whole mm, then give the memory back (munmap, mmap, clear MMF_OOM_SKIP). */
        final class Reaper extends Worker {
            volatile long calls;
            long complete;
            long incomplete;
            long attempts;
            long rangesReaped;
            long rangesSkipped;

            Reaper() {
                super("oom_reaper");
            }

            @Override
            void work() {
                long period = REAP_PERIOD.toNanos();
                long due = System.nanoTime() + period;
                HostMm mm = vm.mm();
                long len = (long) regionPages * PAGE;
                for (;;) {
                    paceUntil(due);
                    if (stop || System.nanoTime() - deadline >= 0) {
                        return;
                    }
                    for (int p = 0; p < regionPages; p++) {
                        eventStart(p);
                    }
                    try {
                        OomReapResult r = mm.oomReap(REAP_ATTEMPTS, REAP_PAUSE);
                        attempts += r.attempts();
                        rangesReaped += r.rangesReaped();
                        rangesSkipped += r.rangesRetried();
                        if (r.complete()) {
                            complete++;
                        } else {
                            incomplete++;
                        }
                        layout.lock();
                        try {
                            mm.munmap(REGION_HVA, len);
                            mm.mmap(REGION_HVA, len);
                            mm.clearOomSkip();
                        } finally {
                            layout.unlock();
                        }
                    } finally {
                        for (int p = 0; p < regionPages; p++) {
                            eventEnd(p);
                        }
                    }
                    calls++;
                    hostEvents.incrementAndGet();
                    due += period;
                }
            }

            SoakResult.ReaperCounts counts() {
                return new SoakResult.ReaperCounts(calls, complete, incomplete, attempts, rangesReaped, rangesSkipped);
            }
        }
    }
}
