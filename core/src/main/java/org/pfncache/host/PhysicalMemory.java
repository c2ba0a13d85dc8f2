package org.pfncache.host;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.pfncache.guard.ContextGuard;

/**
 * Simulated RAM: pages of {@value #PAGE_SIZE} bytes numbered by pfn, with reference counts, a LIFO
 * free list (a freed page is the next one handed out, so use-after-free lands in a new owner) and
 * two detectors: a KASAN-like allocation-id check on every access through a {@link KernelMapping}
 * ({@link #staleAccesses()}), and a poison audit of freed pages ({@link #writesToFreedPages()}).
 *
 * <p>Bookkeeping (refcounts, free list, ids) changes under one internal lock; that lock is
 * simulation plumbing, not a kernel lock, so the guard does not see it. Accesses to page bytes
 * take no lock: a racy access through a stale mapping must behave like a real use-after-free.
 */
public final class PhysicalMemory {
    public static final int PAGE_SIZE = 4096;
    static final byte POISON = 0x6b;
    /** Allocation id of a free page; real ids start at 1. */
    static final long FREE_ID = 0;

    private static final byte[] POISON_PAGE = new byte[PAGE_SIZE];
    static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle IDS = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        Arrays.fill(POISON_PAGE, POISON);
    }

    private final int pages;
    private final boolean checks;
    /** Page contents, made the first time a pfn is allocated and kept for reuse. */
    private final byte[][] data;
    /**
     * Current allocation id per pfn, {@link #FREE_ID} while free. Written under {@link #lock} with
     * setRelease, read by mappings with getOpaque. The opaque read only keeps the racy detector
     * from being hoisted out of an access loop; it orders nothing. Whether a mapping user sees
     * the free is up to the protocol under test (the invalidation it ran), not to this array.
     */
    private final long[] ids;
    private final int[] refCounts;
    /** Free pfns; the top is {@code freeStack[freeTop - 1]}. */
    private final int[] freeStack;
    private int freeTop;
    private long nextId = 1;
    private final ReentrantLock lock = new ReentrantLock();

    private final LongAdder staleAccesses = new LongAdder();
    private final AtomicLong writesToFreedPages = new AtomicLong();
    private final AtomicLong liveMappings = new AtomicLong();

    public PhysicalMemory(int pages) {
        this(pages, true);
    }

    /**
     * {@code checks} false turns the two access detectors off: accesses through a
     * {@link KernelMapping} no longer check the allocation id (no stale access is counted) nor
     * whether the mapping was kunmapped. For benchmarks of the protocol alone; the audit then
     * sees only what the poison scan of freed pages finds.
     */
    public PhysicalMemory(int pages, boolean checks) {
        this.checks = checks;
        if (pages <= 0) {
            throw new IllegalArgumentException("pages must be > 0, got " + pages);
        }
        this.pages = pages;
        this.data = new byte[pages][];
        this.ids = new long[pages];
        this.refCounts = new int[pages];
        this.freeStack = new int[pages];
        // Lowest pfn on top, so a fresh memory hands out pfn 0, 1, 2, ...
        for (int i = 0; i < pages; i++) {
            freeStack[i] = pages - 1 - i;
        }
        this.freeTop = pages;
    }

    /** Whether accesses through kernel mappings run the use-after-free detectors. */
    public boolean checks() {
        return checks;
    }

    public int totalPages() {
        return pages;
    }

    public int freePages() {
        lock.lock();
        try {
            return freeTop;
        } finally {
            lock.unlock();
        }
    }

    /** Number of allocated pages. */
    public int allocatedPages() {
        return pages - freePages();
    }

    /** One zero-filled page with refcount 1. */
    public long allocate() {
        lock.lock();
        try {
            if (freeTop == 0) {
                throw new HostOutOfMemoryException("out of memory: 1 page wanted, 0 of " + pages + " free");
            }
            return allocateLocked();
        } finally {
            lock.unlock();
        }
    }

    /** {@code n} zero-filled pages with refcount 1, or none (HostOutOfMemoryException). */
    public long[] allocate(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("page count must be >= 0, got " + n);
        }
        lock.lock();
        try {
            if (freeTop < n) {
                throw new HostOutOfMemoryException("out of memory: " + n + " pages wanted, "
                        + freeTop + " of " + pages + " free");
            }
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                out[i] = allocateLocked();
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    private int allocateLocked() {
        int pfn = freeStack[--freeTop];
        byte[] page = data[pfn];
        if (page == null) {
            data[pfn] = new byte[PAGE_SIZE];
        } else {
            // Poison audit on reuse: a write that landed while the page was free counts once.
            if (!Arrays.equals(page, POISON_PAGE)) {
                writesToFreedPages.incrementAndGet();
            }
            Arrays.fill(page, (byte) 0);
        }
        refCounts[pfn] = 1;
        // setRelease after the fill: the new id is never visible before this thread's fill. Mappings
        // read it opaque, so this orders nothing for them (see ids); kmap reads it under the lock.
        IDS.setRelease(ids, pfn, nextId++);
        return pfn;
    }

    /** {@code get_page}: refcount++. */
    public void get(long pfn) {
        lock.lock();
        try {
            int i = allocatedIndex(pfn, "get");
            refCounts[i]++;
        } finally {
            lock.unlock();
        }
    }

    /** {@code put_page}: refcount--; at zero the page is poisoned and pushed on the free list. */
    public void put(long pfn) {
        lock.lock();
        try {
            int i = allocatedIndex(pfn, "put");
            if (--refCounts[i] == 0) {
                // Id first, then poison: the detector flips no later than the bytes change. A racing
                // accessor may see either order; that race is the use-after-free being measured.
                IDS.setRelease(ids, i, FREE_ID);
                Arrays.fill(data[i], POISON);
                freeStack[freeTop++] = i;
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@code kmap}/{@code memremap}: may sleep; takes no reference (the caller's protocol keeps the page). */
    public KernelMapping kmap(long pfn) {
        ContextGuard.mightSleep("memremap");
        lock.lock();
        try {
            int i = allocatedIndex(pfn, "kmap");
            liveMappings.incrementAndGet();
            return new KernelMapping(this, i, data[i], ids[i]);
        } finally {
            lock.unlock();
        }
    }

    /** {@code kunmap}/{@code memunmap}: may sleep; a mapping of a since-freed page may be unmapped. */
    public void kunmap(KernelMapping m) {
        ContextGuard.mightSleep("memunmap");
        if (m.owner() != this) {
            throw new IllegalArgumentException("mapping of pfn " + m.pfn() + " belongs to another PhysicalMemory");
        }
        if (!m.markUnmapped()) {
            throw new IllegalStateException("double kunmap of the mapping of pfn " + m.pfn());
        }
        liveMappings.decrementAndGet();
    }

    /** Host access by pfn (not through a kernel mapping); the page must be allocated. */
    public long readLong(long pfn, int offset) {
        byte[] page = hostPage(pfn, offset);
        return (long) LONGS.get(page, offset);
    }

    public void writeLong(long pfn, int offset, long v) {
        byte[] page = hostPage(pfn, offset);
        LONGS.set(page, offset, v);
    }

    private byte[] hostPage(long pfn, int offset) {
        if (offset < 0 || offset > PAGE_SIZE - Long.BYTES) {
            throw new IllegalArgumentException("offset " + offset + " with size " + Long.BYTES
                    + " leaves the page of " + PAGE_SIZE + " bytes");
        }
        int i = checkPfn(pfn);
        // Opaque: host accesses come through a pte that holds a reference, so the page cannot be
        // freed under us; this only catches callers that skipped that.
        if ((long) IDS.getOpaque(ids, i) == FREE_ID) {
            throw new IllegalArgumentException("pfn " + pfn + " is not allocated");
        }
        return data[i];
    }

    /** Copies a whole page; both must be allocated. */
    public void copyPage(long fromPfn, long toPfn) {
        lock.lock();
        try {
            int from = allocatedIndex(fromPfn, "copyPage");
            int to = allocatedIndex(toPfn, "copyPage");
            System.arraycopy(data[from], 0, data[to], 0, PAGE_SIZE);
        } finally {
            lock.unlock();
        }
    }

    public int refCount(long pfn) {
        lock.lock();
        try {
            return refCounts[checkPfn(pfn)];
        } finally {
            lock.unlock();
        }
    }

    public boolean isAllocated(long pfn) {
        lock.lock();
        try {
            return refCounts[checkPfn(pfn)] > 0;
        } finally {
            lock.unlock();
        }
    }

    /** Accesses through a KernelMapping whose page was freed (or reused) since kmap. */
    public long staleAccesses() {
        return staleAccesses.sum();
    }

    /** Freed pages whose poison was found overwritten (at reuse or by {@link #scanFreedPages()}). */
    public long writesToFreedPages() {
        return writesToFreedPages.get();
    }

    /** Kernel mappings made by kmap and not yet kunmapped. */
    public long liveMappings() {
        return liveMappings.get();
    }

    /**
     * Poison audit of every free page: each page whose poison was overwritten is counted in
     * {@link #writesToFreedPages()} and re-poisoned, so one corruption counts once.
     *
     * @return the number of corrupted free pages found by this scan
     */
    public long scanFreedPages() {
        lock.lock();
        try {
            long found = 0;
            for (int k = 0; k < freeTop; k++) {
                byte[] page = data[freeStack[k]];
                if (page != null && !Arrays.equals(page, POISON_PAGE)) {
                    found++;
                    Arrays.fill(page, POISON);
                }
            }
            writesToFreedPages.addAndGet(found);
            return found;
        } finally {
            lock.unlock();
        }
    }

    /** Allocated pages whose pfn is not set in {@code referenced}. */
    long countAllocatedExcept(BitSet referenced) {
        lock.lock();
        try {
            long n = 0;
            for (int i = 0; i < pages; i++) {
                if (refCounts[i] > 0 && !referenced.get(i)) {
                    n++;
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    // Hot path of KernelMapping: no lock, no allocation unless a stale access is counted.

    boolean isCurrent(int pfn, long allocId) {
        return isCurrent(ids, pfn, allocId);
    }

    /**
     * {@link #isCurrent(int, long)} on the id array a mapping holds itself ({@link #ids()}), so
     * the detector's load chain is mapping, ids, id rather than mapping, memory, ids, id.
     */
    static boolean isCurrent(long[] ids, int pfn, long allocId) {
        // Opaque: see ids. Re-read on every access so a loop cannot cache it.
        return (long) IDS.getOpaque(ids, pfn) == allocId;
    }

    /** The allocation-id array itself, for {@link KernelMapping}'s detector (never replaced). */
    long[] ids() {
        return ids;
    }

    void countStale() {
        staleAccesses.increment();
    }

    private int checkPfn(long pfn) {
        if (pfn < 0 || pfn >= pages) {
            throw new IllegalArgumentException("pfn " + pfn + " out of range [0, " + pages + ")");
        }
        return (int) pfn;
    }

    private int allocatedIndex(long pfn, String op) {
        int i = checkPfn(pfn);
        if (refCounts[i] == 0) {
            throw new IllegalArgumentException(op + ": pfn " + pfn + " is not allocated");
        }
        return i;
    }

    @Override
    public String toString() {
        return "PhysicalMemory(" + pages + " pages)";
    }
}
