package org.pfncache.host;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The kernel mapping of one page, made by {@link PhysicalMemory#kmap(long)}. It remembers the
 * allocation it was made for; every access checks that allocation is still current and, if not,
 * counts a stale access and goes ahead anyway (reading poison or the new owner's data, writing
 * into it), exactly like a use-after-free. Using it after kunmap throws.
 */
public final class KernelMapping {
    private static final VarHandle UNMAPPED;

    static {
        try {
            UNMAPPED = MethodHandles.lookup().findVarHandle(KernelMapping.class, "unmapped", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PhysicalMemory memory;
    /** The memory's allocation ids, held directly: the detector loads one field fewer (issue 10). */
    private final long[] ids;
    private final int pfn;
    private final byte[] page;
    private final long allocId;
    /** The memory's {@link PhysicalMemory#checks()}: whether accesses run the detectors. */
    private final boolean checks;
    @SuppressWarnings("unused") // accessed through UNMAPPED
    private volatile boolean unmapped;

    KernelMapping(PhysicalMemory memory, int pfn, byte[] page, long allocId) {
        this.memory = memory;
        this.ids = memory.ids();
        this.pfn = pfn;
        this.page = page;
        this.allocId = allocId;
        this.checks = memory.checks();
    }

    public long pfn() {
        return pfn;
    }

    public long getLong(int pageOffset) {
        check(pageOffset, Long.BYTES);
        return (long) PhysicalMemory.LONGS.get(page, pageOffset);
    }

    public void putLong(int pageOffset, long v) {
        check(pageOffset, Long.BYTES);
        PhysicalMemory.LONGS.set(page, pageOffset, v);
    }

    public byte get(int pageOffset) {
        check(pageOffset, 1);
        return page[pageOffset];
    }

    public void put(int pageOffset, byte v) {
        check(pageOffset, 1);
        page[pageOffset] = v;
    }

    /** The page was freed (or freed and reused) since this mapping was made. */
    public boolean isStale() {
        return !memory.isCurrent(pfn, allocId);
    }

    public boolean isUnmapped() {
        return (boolean) UNMAPPED.getOpaque(this);
    }

    private void check(int offset, int size) {
        if (offset < 0 || offset > PhysicalMemory.PAGE_SIZE - size) {
            throw new IndexOutOfBoundsException("access at offset " + offset + " of size " + size
                    + " leaves the page of " + PhysicalMemory.PAGE_SIZE + " bytes");
        }
        if (!checks) {
            return;
        }
        // Opaque: a use after kunmap is a bug of the caller's own thread or one its protocol
        // ordered; like the id check this is a detector, not synchronisation.
        if ((boolean) UNMAPPED.getOpaque(this)) {
            throw new IllegalStateException("access through the mapping of pfn " + pfn + " after kunmap");
        }
        if (!PhysicalMemory.isCurrent(ids, pfn, allocId)) {
            memory.countStale();
        }
    }

    PhysicalMemory owner() {
        return memory;
    }

    /** True for the one call that unmaps; CAS so two racing kunmaps cannot both succeed. */
    boolean markUnmapped() {
        return UNMAPPED.compareAndSet(this, false, true);
    }

    @Override
    public String toString() {
        return "KernelMapping(pfn " + pfn + (isUnmapped() ? ", unmapped" : "") + ")";
    }
}
