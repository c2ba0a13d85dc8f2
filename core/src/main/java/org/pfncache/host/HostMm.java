package org.pfncache.host;

import static org.pfncache.host.PhysicalMemory.PAGE_SIZE;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.jfr.OomReapEvent;
import org.pfncache.sync.Mutex;

/**
 * The VMM process's address space ({@code struct mm_struct}): VMAs, an hva → pfn page table
 * populated by {@link #mmap}, and the MMU notifiers that bracket every change of that table
 * (R8-R10).
 *
 * <p>Two locks. {@code mmap_lock} is the kernel's, a guarded {@link Mutex}: mmap, munmap, migrate
 * and notifier (un)registration take it (they may sleep), the OOM reaper only try-locks it, and
 * every notifier callback runs with it held. The page-table lock is simulation plumbing (a
 * {@link ReentrantReadWriteLock}, invisible to the guard): userspace accesses and
 * {@link #getUserPage} take its read side, pte changes its write side, so a pte and the page's
 * reference change together. Lock order: mmap_lock, then the page-table lock, then the memory's
 * internal lock.
 */
public final class HostMm {
    private static final long PAGE_MASK = PAGE_SIZE - 1;
    private static final System.Logger LOG = System.getLogger("org.pfncache.host");
    /** MAX_OOM_REAP_RETRIES in mm/oom_kill.c. */
    public static final int MAX_OOM_REAP_RETRIES = 10;
    private static final AtomicInteger PIDS = new AtomicInteger(1000);
    /**
     * Where mn_hlist_invalidate_range_start's WARN_ON(ops->invalidate_range_end) stands: the file
     * only, since its line moves between releases and no FILE:LINE is claimed here.
     */
    static final String MN_HLIST_WARN_SITE = "mm/mmu_notifier.c";
    /** Lockdep keys of the notifier core's two pseudo locks. */
    private static final Object START_MAP = new Object();
    private static final Object NOTIFIER_SRCU = new Object();

    private final PhysicalMemory memory;
    private final Guard guard;
    private final Mutex mmapLock;
    /** The owning process, as the reaper's messages name it. */
    private final int pid = PIDS.incrementAndGet();
    private final String comm = "qemu-system-x86";
    /** MMF_OOM_SKIP; written under mmap_lock or by the reaper thread, read by it. */
    private volatile boolean oomSkip;
    private volatile long unableToReap;
    private final AtomicLong notifierFailures = new AtomicLong();
    /** Messages logged so far (see logRateLimited). */
    private final AtomicLong logged = new AtomicLong();
    /** How many of the kernel's messages one mm logs before it only counts them. */
    static final int LOGGED_MESSAGES = 10;
    private final CopyOnWriteArrayList<MmuNotifier> notifiers = new CopyOnWriteArrayList<>();
    private final ReentrantReadWriteLock ptLock = new ReentrantReadWriteLock();
    /** VMA start → end; changed under mmap_lock and the page-table write lock. */
    private final TreeMap<Long, Long> vmas = new TreeMap<>();
    /** hva of a page → pfn; each entry holds one reference on its page. */
    private final TreeMap<Long, Long> pageTable = new TreeMap<>();

    /** {@code guard}: the domain of mmap_lock (null: {@link Guard#processDefault()}). */
    public HostMm(PhysicalMemory memory, Guard guard) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.guard = guard == null ? Guard.processDefault() : guard;
        this.mmapLock = new Mutex("&mm->mmap_lock", guard);
    }

    public PhysicalMemory memory() {
        return memory;
    }

    /**
     * {@code mmu_notifier_register}: takes mmap_lock, so no invalidation is in flight while the
     * list changes (a notifier never sees an end without its start). A notifier may be registered once.
     */
    public void register(MmuNotifier n) {
        Objects.requireNonNull(n, "notifier");
        mmapLock.lock("mmu_notifier_register");
        try {
            if (!notifiers.addIfAbsent(n)) {
                throw new IllegalArgumentException("MMU notifier " + n + " is already registered");
            }
        } finally {
            mmapLock.unlock();
        }
    }

    /**
     * {@code mmu_notifier_unregister}: takes mmap_lock, so on return no callback of {@code n} is
     * running or will run. Must not be called from a notifier callback. Unregistering an
     * unregistered notifier does nothing.
     */
    public void unregister(MmuNotifier n) {
        Objects.requireNonNull(n, "notifier");
        mmapLock.lock("mmu_notifier_unregister");
        try {
            notifiers.remove(n);
        } finally {
            mmapLock.unlock();
        }
    }

    /**
     * {@link #unregister(MmuNotifier)} bounded by {@code timeout}: false (still registered) if
     * mmap_lock could not be taken in time, e.g. because an invalidation holding it waits forever
     * for a reader. For a close that must finish.
     */
    public boolean unregister(MmuNotifier n, Duration timeout) {
        Objects.requireNonNull(n, "notifier");
        if (!mmapLock.tryLock("mmu_notifier_unregister", saturatedNanos(timeout))) {
            return false;
        }
        try {
            notifiers.remove(n);
        } finally {
            mmapLock.unlock();
        }
        return true;
    }

    /** The thread holding mmap_lock, for diagnostics (null: free). */
    public String mmapLockHolder() {
        return mmapLock.ownerName();
    }

    public int notifierCount() {
        return notifiers.size();
    }

    /** Maps [hva, hva+len) populated with zero-filled pages; all or nothing. */
    public void mmap(long hva, long len) {
        checkRange("mmap", hva, len);
        long end = hva + len;
        mmapLock.lock("mmap");
        try {
            ptLock.readLock().lock();
            try {
                Map.Entry<Long, Long> below = vmas.lowerEntry(end);
                if (below != null && below.getValue() > hva) {
                    throw new IllegalArgumentException("mmap: [" + hex(hva) + ", " + hex(end)
                            + ") overlaps the VMA [" + hex(below.getKey()) + ", " + hex(below.getValue()) + ")");
                }
            } finally {
                ptLock.readLock().unlock();
            }
            long n = len / PAGE_SIZE;
            if (n > memory.totalPages()) {
                throw new HostOutOfMemoryException("out of memory: mmap of " + n + " pages at " + hex(hva)
                        + ", memory has " + memory.totalPages());
            }
            long[] pfns = memory.allocate((int) n); // all or nothing: OOM leaves no trace
            ptLock.writeLock().lock();
            try {
                vmas.put(hva, end);
                for (int i = 0; i < pfns.length; i++) {
                    pageTable.put(hva + (long) i * PAGE_SIZE, pfns[i]);
                }
            } finally {
                ptLock.writeLock().unlock();
            }
        } finally {
            mmapLock.unlock();
        }
    }

    /**
     * Unmaps [hva, hva+len): one blockable invalidation per mapped VMA part, in address order;
     * each clears its ptes and frees its pages between start and end. Holes are skipped (no
     * notifier call). If a notifier throws, the parts already done stay unmapped and the failing
     * part and those after it are unchanged.
     */
    public void munmap(long hva, long len) {
        checkRange("munmap", hva, len);
        long end = hva + len;
        mmapLock.lock("munmap");
        try {
            for (long[] part : vmaParts(hva, end)) {
                long ps = part[0];
                long pe = part[1];
                MmuNotifierRange range = new MmuNotifierRange(ps, pe, true, MmuNotifierRange.Event.UNMAP);
                invalidateStart(range, "unmap_vmas");
                // Pages are freed inside the bracket, before the end callbacks, as the kernel does.
                changeAndEnd(range, "unmap_vmas", () -> {
                    zapLocked(ps, pe);
                    splitVmaLocked(ps, pe);
                });
            }
        } finally {
            mmapLock.unlock();
        }
    }

    /**
     * Moves the page at {@code hva} to a new pfn: allocate first (OOM changes nothing), then a
     * blockable invalidation of the page during which the contents are copied, the pte switched
     * and the old page put.
     */
    public void migrate(long hva) {
        if ((hva & PAGE_MASK) != 0 || hva < 0) {
            throw new IllegalArgumentException("migrate: hva " + hex(hva) + " is not page aligned");
        }
        mmapLock.lock("migrate");
        try {
            long oldPfn = pfn(hva);
            if (oldPfn < 0) {
                throw new IllegalArgumentException("migrate: hva " + hex(hva) + " is not mapped");
            }
            long newPfn = memory.allocate();
            MmuNotifierRange range = new MmuNotifierRange(hva, hva + PAGE_SIZE, true,
                    MmuNotifierRange.Event.MIGRATE);
            try {
                invalidateStart(range, "migrate_pages");
            } catch (Throwable t) {
                memory.put(newPfn);
                throw t;
            }
            // Copy under the page-table lock: no userspace write slips in between copy and switch.
            changeAndEnd(range, "migrate_pages", () -> {
                memory.copyPage(oldPfn, newPfn);
                pageTable.put(hva, newPfn);
                memory.put(oldPfn);
            });
        } finally {
            mmapLock.unlock();
        }
    }

    /** {@code oom_reap_task}: up to 10 attempts, HZ/10 (100 ms) after each failed one, as in mm/oom_kill.c. */
    public OomReapResult oomReap() {
        return oomReap(MAX_OOM_REAP_RETRIES, Duration.ofMillis(100));
    }

    /**
     * {@code oom_reap_task} with {@code maxAttempts} attempts of {@code oom_reap_task_mm}, sleeping
     * {@code pause} after every failed attempt, the last included. An attempt try-locks mmap_lock
     * (failing fails the attempt); if {@code MMF_OOM_SKIP} is set it does nothing and succeeds;
     * otherwise ({@code __oom_reap_task_mm}) every VMA (all are anonymous here) gets a
     * non-blockable invalidation, with or without present ptes: a VMA whose start fails is skipped
     * and fails the attempt (the notifier core has already called the ends, R10), the others are
     * zapped. After the last attempt fails it logs "oom_reaper: unable to reap pid:N (name)"; it
     * sets {@code MMF_OOM_SKIP} either way. VMAs stay; their pages go. An interrupt stops the loop
     * (the interrupt status is kept). A notifier that throws propagates after mmap_lock is released.
     */
    public OomReapResult oomReap(int maxAttempts, Duration pause) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
        Objects.requireNonNull(pause, "pause");
        if (pause.isNegative()) {
            throw new IllegalArgumentException("pause must not be negative, got " + pause);
        }
        long pauseNanos = saturatedNanos(pause);
        OomReapEvent event = new OomReapEvent();
        event.begin();
        int[] counts = new int[2]; // ranges reaped, ranges skipped
        int attempts = 0;
        boolean reaped = false;
        ContextGuard.enterFunction("oom_reaper"); // oom_reap_task and oom_reap_task_mm are inlined
        try {
            while (attempts++ < maxAttempts) {
                if (oomReapTaskMm(counts)) {
                    reaped = true;
                    break;
                }
                // schedule_timeout_idle(HZ/10) after every failed attempt, the last one too.
                if (!pause(pauseNanos)) {
                    break;
                }
            }
        } finally {
            ContextGuard.exitFunction();
        }
        attempts = Math.min(attempts, maxAttempts);
        if (!reaped && !oomSkip) {
            logRateLimited("oom_reaper: unable to reap pid:" + pid + " (" + comm + ")");
            unableToReap++;
        }
        // Hide this mm from the OOM killer: reaped, or somebody holds mmap_lock forever.
        oomSkip = true;
        if (event.shouldCommit()) {
            event.pid = pid;
            event.attempts = attempts;
            event.rangesReaped = counts[0];
            event.rangesSkipped = counts[1];
            event.complete = reaped;
            event.commit();
        }
        return new OomReapResult(reaped, attempts, counts[0], counts[1]);
    }

    /** {@code oom_reap_task_mm}: false if mmap_lock was busy or a range could not be reaped. */
    private boolean oomReapTaskMm(int[] counts) {
        if (!mmapLock.tryLock("oom_reap_task_mm")) { // mmap_read_trylock
            return false;
        }
        try {
            if (oomSkip) {
                return true; // MMF_OOM_SKIP: exit_mmap (or an earlier reap) owns the mm now
            }
            ContextGuard.enterFunction("__oom_reap_task_mm");
            try {
                return oomReapVmas(counts);
            } finally {
                ContextGuard.exitFunction();
            }
        } finally {
            mmapLock.unlock();
        }
    }

    /** The loop of {@code __oom_reap_task_mm}; mmap_lock held. */
    private boolean oomReapVmas(int[] counts) {
        boolean ret = true;
        for (long[] vma : vmaSnapshot()) {
            MmuNotifierRange range = new MmuNotifierRange(vma[0], vma[1], false, MmuNotifierRange.Event.OOM_REAP);
            if (!invalidateStart(range, "__oom_reap_task_mm")) {
                counts[1]++;
                ret = false;
                continue;
            }
            changeAndEnd(range, "__oom_reap_task_mm", () -> zapLocked(vma[0], vma[1])); // unmap_page_range
            counts[0]++;
        }
        return ret;
    }

    /**
     * The kernel's pr_info lines, through System.Logger: the first {@value #LOGGED_MESSAGES} of
     * this mm, then one line saying the rest are only counted ({@link #notifierFailures()},
     * {@link #unableToReap()}), so a storm of failed reaps cannot flood the log.
     */
    private void logRateLimited(String message) {
        long n = logged.incrementAndGet();
        if (n <= LOGGED_MESSAGES) {
            LOG.log(System.Logger.Level.INFO, message);
        } else if (n == LOGGED_MESSAGES + 1) {
            LOG.log(System.Logger.Level.INFO, "further notifier failures and reaper give-ups are counted, not logged");
        }
    }

    /** Whether {@code MMF_OOM_SKIP} is set: the OOM reaper is done with this mm. */
    public boolean oomSkip() {
        return oomSkip;
    }

    /**
     * Clears {@code MMF_OOM_SKIP}. Simulation control, no kernel counterpart: a scenario that
     * gives the VMM its memory back and reaps again treats the mm as a new victim.
     */
    public void clearOomSkip() {
        oomSkip = false;
    }

    /** How often the reaper gave up ("unable to reap"). */
    public long unableToReap() {
        return unableToReap;
    }

    /** How many notifier starts failed (each logged; a WARN for a notifier with an end callback). */
    public long notifierFailures() {
        return notifierFailures.get();
    }

    /** The pfn mapped at the page of {@code hva}, -1 if none. */
    public long pfn(long hva) {
        ptLock.readLock().lock();
        try {
            Long pfn = pageTable.get(hva & ~PAGE_MASK);
            return pfn == null ? -1 : pfn;
        } finally {
            ptLock.readLock().unlock();
        }
    }

    /**
     * {@code hva_to_pfn} (GUP): may sleep; returns the pfn at the page of {@code hva} with a
     * reference taken (the caller must {@code memory().put(pfn)}), or -1 if nothing is mapped
     * there (EFAULT).
     */
    public long getUserPage(long hva) {
        ContextGuard.mightSleep("hva_to_pfn");
        ptLock.readLock().lock();
        try {
            Long pfn = pageTable.get(hva & ~PAGE_MASK);
            if (pfn == null) {
                return -1;
            }
            // Under the read lock the pte, and so its reference, cannot go away before ours is taken.
            memory.get(pfn);
            return pfn;
        } finally {
            ptLock.readLock().unlock();
        }
    }

    /** Userspace read through the page table. */
    public long readLong(long hva) {
        int offset = userOffset(hva);
        ptLock.readLock().lock();
        try {
            return memory.readLong(userPfn(hva), offset);
        } finally {
            ptLock.readLock().unlock();
        }
    }

    /** Userspace write through the page table. */
    public void writeLong(long hva, long value) {
        int offset = userOffset(hva);
        ptLock.readLock().lock();
        try {
            memory.writeLong(userPfn(hva), offset, value);
        } finally {
            ptLock.readLock().unlock();
        }
    }

    /**
     * Scans free pages for poison damage, then reports stale accesses, writes to freed pages,
     * live kernel mappings, and allocated pages that no pte references (leaked).
     */
    public MemoryAudit audit() {
        memory.scanFreedPages();
        long leaked;
        ptLock.readLock().lock();
        try {
            BitSet referenced = new BitSet(memory.totalPages());
            for (long pfn : pageTable.values()) {
                referenced.set((int) pfn);
            }
            leaked = memory.countAllocatedExcept(referenced);
        } finally {
            ptLock.readLock().unlock();
        }
        return new MemoryAudit(memory.staleAccesses(), memory.writesToFreedPages(), memory.liveMappings(), leaked);
    }

    /** A snapshot of the VMAs, start → end. */
    public SortedMap<Long, Long> vmas() {
        ptLock.readLock().lock();
        try {
            return Collections.unmodifiableSortedMap(new TreeMap<>(vmas));
        } finally {
            ptLock.readLock().unlock();
        }
    }

    /** Number of present ptes. */
    public int mappedPages() {
        ptLock.readLock().lock();
        try {
            return pageTable.size();
        } finally {
            ptLock.readLock().unlock();
        }
    }

    // ---- MMU notifier protocol (R8-R10) ----

    /**
     * {@code mmu_notifier_invalidate_range_start} (R10): calls start on every registered notifier
     * (one snapshot), even after one failed. A failure is logged as the kernel logs it, and is a
     * WARN in the guard for a notifier that has an end callback; then the end of every notifier
     * that has one is called, the failing one included, and false is returned: the caller calls
     * no end. A blockable range may not fail: after the ends, IllegalStateException. If a start
     * throws, the notifiers that accepted are ended and the exception propagates.
     */
    private boolean invalidateStart(MmuNotifierRange range, String caller) {
        // lock_map_acquire(&__mmu_notifier_invalidate_range_start_map) in the inline caller, then
        // srcu_read_lock(&srcu) in __mmu_notifier_invalidate_range_start: two lockdep entries that
        // every callback's splat lists (R14).
        ContextGuard.lockdepAcquire(START_MAP, "mmu_notifier_invalidate_range_start", caller);
        ContextGuard.enterFunction("__mmu_notifier_invalidate_range_start");
        ContextGuard.lockdepAcquire(NOTIFIER_SRCU, "srcu", "__mmu_notifier_invalidate_range_start");
        try {
            return invalidateStartLocked(range);
        } finally {
            ContextGuard.lockdepRelease(NOTIFIER_SRCU);
            ContextGuard.exitFunction();
            ContextGuard.lockdepRelease(START_MAP);
        }
    }

    private boolean invalidateStartLocked(MmuNotifierRange range) {
        MmuNotifier[] snapshot = notifiers.toArray(new MmuNotifier[0]);
        int accepted = 0;
        MmuNotifier failed = null;
        try {
            for (MmuNotifier n : snapshot) {
                if (callStart(n, range)) {
                    accepted++;
                    continue;
                }
                failed = failed == null ? n : failed;
                notifierFailures.incrementAndGet();
                logRateLimited(n.name() + " callback failed with -11 in "
                        + (range.blockable() ? "" : "non-") + "blockable context.");
                if (n.hasInvalidateRangeEnd()) {
                    // WARN_ON(ops->invalidate_range_end): a start that fails may not have an end.
                    warnNotifierFailure(n, range);
                }
            }
        } catch (Throwable t) {
            endAll(range, snapshot, accepted, t, false);
            throw t;
        }
        if (failed == null) {
            return true;
        }
        // "If there are multiple notifiers and one or more failed start, any that succeeded start
        // are expecting their end to be called": the core calls every end there is.
        endAll(range, snapshot, snapshot.length, null, true);
        if (range.blockable()) {
            throw new IllegalStateException("MMU notifier " + failed + " failed the blockable range [" + hex(range.start())
                    + ", " + hex(range.end()) + ") (" + range.event() + "); only a non-blockable range may fail");
        }
        return false;
    }

    /**
     * The middle and end of every invalidation bracket: {@code change} runs under the page-table
     * write lock, then {@code invalidate_range_end} runs whatever happened (a failure of the
     * change is the primary exception; failures of end callbacks are added to it).
     */
    private void changeAndEnd(MmuNotifierRange range, String caller, Runnable change) {
        Throwable failure = null;
        try {
            ptLock.writeLock().lock();
            try {
                change.run();
            } finally {
                ptLock.writeLock().unlock();
            }
        } catch (Throwable t) {
            failure = t;
            throw t;
        } finally {
            invalidateEnd(range, failure, caller);
        }
    }

    /** {@code mmu_notifier_invalidate_range_end} for a range whose start succeeded. */
    private void invalidateEnd(MmuNotifierRange range, Throwable failure, String caller) {
        ContextGuard.lockdepAcquire(START_MAP, "mmu_notifier_invalidate_range_start", caller);
        ContextGuard.enterFunction("__mmu_notifier_invalidate_range_end");
        ContextGuard.lockdepAcquire(NOTIFIER_SRCU, "srcu", "__mmu_notifier_invalidate_range_end");
        try {
            MmuNotifier[] snapshot = notifiers.toArray(new MmuNotifier[0]);
            endAll(range, snapshot, snapshot.length, failure, true);
        } finally {
            ContextGuard.lockdepRelease(NOTIFIER_SRCU);
            ContextGuard.exitFunction();
            ContextGuard.lockdepRelease(START_MAP);
        }
    }

    private void warnNotifierFailure(MmuNotifier n, MmuNotifierRange range) {
        guard.warn("WARN_ON(ops->invalidate_range_end): " + n.name() + " failed the non-blockable range ["
                + hex(range.start()) + ", " + hex(range.end()) + ") and has an end callback",
                MN_HLIST_WARN_SITE, "__mmu_notifier_invalidate_range_start");
    }

    /**
     * Calls end on {@code ns[0..count)} (only those with an end callback if {@code onlyWithEnd}),
     * each even if an earlier one threw. With a {@code primary} failure, end failures are added to
     * it as suppressed; otherwise the first end failure is thrown after all ends ran.
     */
    private static void endAll(MmuNotifierRange range, MmuNotifier[] ns, int count, Throwable primary,
                               boolean onlyWithEnd) {
        Throwable first = null;
        for (int i = 0; i < count; i++) {
            if (onlyWithEnd && !ns[i].hasInvalidateRangeEnd()) {
                continue;
            }
            try {
                callEnd(ns[i], range);
            } catch (Throwable t) {
                if (primary != null) {
                    primary.addSuppressed(t);
                } else if (first == null) {
                    first = t;
                } else {
                    first.addSuppressed(t);
                }
            }
        }
        if (first instanceof RuntimeException e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
    }

    private static boolean callStart(MmuNotifier n, MmuNotifierRange range) {
        if (range.blockable()) {
            return n.invalidateRangeStart(range);
        }
        ContextGuard.nonBlockStart();
        try {
            return n.invalidateRangeStart(range);
        } finally {
            ContextGuard.nonBlockEnd();
        }
    }

    private static void callEnd(MmuNotifier n, MmuNotifierRange range) {
        if (range.blockable()) {
            n.invalidateRangeEnd(range);
            return;
        }
        ContextGuard.nonBlockStart();
        try {
            n.invalidateRangeEnd(range);
        } finally {
            ContextGuard.nonBlockEnd();
        }
    }

    // ---- page table and VMAs ----

    /** Clears the ptes in [start, end) and puts their pages. Caller holds the write lock. */
    private void zapLocked(long start, long end) {
        SortedMap<Long, Long> range = pageTable.subMap(start, end);
        for (long pfn : range.values()) {
            memory.put(pfn);
        }
        range.clear();
    }

    /** Removes [start, end), which lies inside one VMA, from that VMA. Caller holds the write lock. */
    private void splitVmaLocked(long start, long end) {
        Map.Entry<Long, Long> vma = vmas.floorEntry(start);
        long vs = vma.getKey();
        long ve = vma.getValue();
        vmas.remove(vs);
        if (vs < start) {
            vmas.put(vs, start);
        }
        if (end < ve) {
            vmas.put(end, ve);
        }
    }

    /** The mapped parts of [start, end), one per VMA, in address order. */
    private List<long[]> vmaParts(long start, long end) {
        ptLock.readLock().lock();
        try {
            List<long[]> parts = new ArrayList<>();
            Long from = vmas.floorKey(start);
            NavigableMap<Long, Long> candidates = vmas.subMap(from == null ? start : from, true, end, false);
            for (Map.Entry<Long, Long> vma : candidates.entrySet()) {
                long ps = Math.max(vma.getKey(), start);
                long pe = Math.min(vma.getValue(), end);
                if (ps < pe) {
                    parts.add(new long[] {ps, pe});
                }
            }
            return parts;
        } finally {
            ptLock.readLock().unlock();
        }
    }

    private List<long[]> vmaSnapshot() {
        ptLock.readLock().lock();
        try {
            List<long[]> out = new ArrayList<>(vmas.size());
            for (Map.Entry<Long, Long> vma : vmas.entrySet()) {
                out.add(new long[] {vma.getKey(), vma.getValue()});
            }
            return out;
        } finally {
            ptLock.readLock().unlock();
        }
    }

    private static int userOffset(long hva) {
        int offset = (int) (hva & PAGE_MASK);
        if (hva < 0 || offset > PAGE_SIZE - Long.BYTES) {
            throw new IllegalArgumentException("hva " + hex(hva) + ": an 8-byte access there crosses a page");
        }
        return offset;
    }

    /** Caller holds the read lock. */
    private long userPfn(long hva) {
        Long pfn = pageTable.get(hva & ~PAGE_MASK);
        if (pfn == null) {
            throw new IllegalArgumentException("hva " + hex(hva) + " is not mapped");
        }
        return pfn;
    }

    private static void checkRange(String op, long hva, long len) {
        if (hva < 0 || (hva & PAGE_MASK) != 0 || len <= 0 || (len & PAGE_MASK) != 0
                || hva > Long.MAX_VALUE - len) {
            throw new IllegalArgumentException(op + ": hva " + hex(hva) + " len " + hex(len)
                    + " must be page aligned, len > 0, and not overflow");
        }
    }

    /** Parks for {@code nanos} (0: not at all); false if the thread is interrupted. */
    private static boolean pause(long nanos) {
        if (nanos > 0) {
            long deadline = System.nanoTime() + nanos;
            long left = nanos;
            // parkNanos may return early (spuriously or on interrupt): park again for the rest.
            while (left > 0 && !Thread.currentThread().isInterrupted()) {
                LockSupport.parkNanos(left);
                left = deadline - System.nanoTime();
            }
        }
        return !Thread.currentThread().isInterrupted();
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2;
        }
    }

    private static String hex(long v) {
        return v < 0 ? Long.toString(v) : "0x" + Long.toHexString(v);
    }

    @Override
    public String toString() {
        return "HostMm(" + mappedPages() + " pages mapped, " + notifierCount() + " notifiers)";
    }
}
