package org.pfncache;

import org.pfncache.host.KernelMapping;

/**
 * One immutable state of a cache: everything check() reads, published by a single reference so
 * that a reader can never see the gpa of one refresh and the khva of another (I1). Each valid
 * state carries its invalid twin, so that invalidation publishes {@code valid = false} without
 * allocating.
 */
final class CacheState {
    static final CacheState INITIAL = new CacheState(false, false, PfnCache.INVALID_GPA, PfnCache.BAD_HVA, 0, -1, null, 0);

    final boolean active;
    final boolean valid;
    final long gpa;
    /** The hva including the page offset, or {@link PfnCache#BAD_HVA}. */
    final long uhva;
    final long generation;
    /** -1 (KVM_PFN_ERR_FAULT) when there is none. */
    final long pfn;
    final KernelMapping mapping;
    final KhvaImpl khva;
    final int offset;
    final CacheState invalid;

    private CacheState(boolean active, boolean valid, long gpa, long uhva, long generation, long pfn,
                       KernelMapping mapping, int offset) {
        this(active, valid, gpa, uhva, generation, pfn, mapping, offset,
                mapping == null ? null : new KhvaImpl(mapping, offset));
    }

    /** The invalid twin shares the valid state's khva: same mapping, same offset. */
    private CacheState(boolean active, boolean valid, long gpa, long uhva, long generation, long pfn,
                       KernelMapping mapping, int offset, KhvaImpl khva) {
        this.active = active;
        this.valid = valid;
        this.gpa = gpa;
        this.uhva = uhva;
        this.generation = generation;
        this.pfn = pfn;
        this.mapping = mapping;
        this.offset = offset;
        this.khva = khva;
        this.invalid = valid
                ? new CacheState(active, false, gpa, uhva, generation, pfn, mapping, offset, khva)
                : this;
    }

    static CacheState of(boolean active, boolean valid, long gpa, long uhva, long generation, long pfn,
                         KernelMapping mapping) {
        int offset = uhva == PfnCache.BAD_HVA ? 0 : (int) (uhva & (PfnCache.PAGE_SIZE - 1));
        return new CacheState(active, valid, gpa, uhva, generation, pfn, mapping, offset);
    }

    CacheState withActive(boolean a) {
        return of(a, valid && a, gpa, uhva, generation, pfn, mapping);
    }

    long uhvaPage() {
        return uhva == PfnCache.BAD_HVA ? PfnCache.BAD_HVA : uhva & ~(long) (PfnCache.PAGE_SIZE - 1);
    }
}
