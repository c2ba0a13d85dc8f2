package org.pfncache;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeMap;
import org.pfncache.host.MmuNotifierRange;
import org.pfncache.sync.KernelLock;

/**
 * {@code kvm->gpc_list} and {@code kvm->gpc_lock}: the caches that invalidations must reach (R1,
 * R6, R8). Every method takes gpc_lock itself, except {@link #walk}, which holds it across the
 * whole walk as {@code gfn_to_pfn_cache_invalidate_start} does.
 *
 * <p>The kernel walks every active cache on every invalidation; that is the default here, since
 * it decides where PREEMPT_RT first sleeps (the read side of any active cache's lock). With
 * {@link Vm.Builder#invalidationIndex(boolean)} the list also keeps an index by uhva page and the
 * walk visits only the caches whose page lies in the range: O(log n + k) instead of O(n), a
 * project option that changes costs, never the kernel's verdicts for in-range caches. Add and
 * remove are O(1) on the list and O(log n) on the index.
 */
final class GpcList {
    private final KernelLock gpcLock;
    private final boolean indexed;
    /** The list; guarded by gpcLock. */
    private final LinkedHashSet<PfnCache> list = new LinkedHashSet<>();
    /** uhva page -> caches that may publish a mapping of that page; guarded by gpcLock. */
    private final TreeMap<Long, LinkedHashSet<PfnCache>> index;
    /** What the last walk visited and cleared; written under gpcLock, read by that walker after it. */
    int walked;
    int cleared;

    GpcList(KernelLock gpcLock, boolean indexed) {
        this.gpcLock = gpcLock;
        this.indexed = indexed;
        this.index = indexed ? new TreeMap<>() : null;
    }

    boolean indexed() {
        return indexed;
    }

    /** Adds {@code c} if it is not listed (kvm_gpc_activate, R1). */
    void add(PfnCache c) {
        gpcLock.lock("kvm_gpc_activate");
        try {
            list.add(c);
        } finally {
            gpcLock.unlock();
        }
    }

    /** Removes {@code c} and its index entries (kvm_gpc_deactivate, R6). */
    void remove(PfnCache c) {
        gpcLock.lock("kvm_gpc_deactivate");
        try {
            list.remove(c);
            if (indexed) {
                indexDrop(c, c.indexedPage);
                indexDrop(c, c.indexedPage2);
                c.indexedPage = PfnCache.BAD_HVA;
                c.indexedPage2 = PfnCache.BAD_HVA;
            }
        } finally {
            gpcLock.unlock();
        }
    }

    int size() {
        gpcLock.lock("kvm_gpc_list_size");
        try {
            return list.size();
        } finally {
            gpcLock.unlock();
        }
    }

    /** A snapshot of the listed caches. */
    List<PfnCache> snapshot() {
        gpcLock.lock("kvm_gpc_list_snapshot");
        try {
            return new ArrayList<>(list);
        } finally {
            gpcLock.unlock();
        }
    }

    /**
     * With the index: makes invalidations of {@code page} reach {@code c} before any mapping of it
     * can be published (R8 reachability); {@code c} keeps the page it had until
     * {@link #indexRetain}. Without the index every listed cache is reached anyway.
     */
    void indexAdd(PfnCache c, long page) {
        if (!indexed) {
            return;
        }
        gpcLock.lock("kvm_gpc_refresh");
        try {
            if (!list.contains(c) || c.indexedPage == page || c.indexedPage2 == page) {
                return;
            }
            if (c.indexedPage == PfnCache.BAD_HVA) {
                c.indexedPage = page;
            } else if (c.indexedPage2 == PfnCache.BAD_HVA) {
                c.indexedPage2 = page;
            } else {
                throw new IllegalStateException("cache " + c.name() + " already indexed under two pages");
            }
            index.computeIfAbsent(page, p -> new LinkedHashSet<>()).add(c);
        } finally {
            gpcLock.unlock();
        }
    }

    /** With the index: keeps {@code c} indexed only under {@code page} (BAD_HVA: under none). */
    void indexRetain(PfnCache c, long page) {
        if (!indexed) {
            return;
        }
        gpcLock.lock("kvm_gpc_refresh");
        try {
            if (c.indexedPage != page) {
                indexDrop(c, c.indexedPage);
                c.indexedPage = PfnCache.BAD_HVA;
            }
            if (c.indexedPage2 != page) {
                indexDrop(c, c.indexedPage2);
                c.indexedPage2 = PfnCache.BAD_HVA;
            }
            if (c.indexedPage == PfnCache.BAD_HVA && c.indexedPage2 != PfnCache.BAD_HVA) {
                c.indexedPage = c.indexedPage2;
                c.indexedPage2 = PfnCache.BAD_HVA;
            }
        } finally {
            gpcLock.unlock();
        }
    }

    /** With gpcLock held. */
    private void indexDrop(PfnCache c, long page) {
        if (page == PfnCache.BAD_HVA) {
            return;
        }
        LinkedHashSet<PfnCache> at = index.get(page);
        if (at != null && at.remove(c) && at.isEmpty()) {
            index.remove(page);
        }
    }

    /**
     * {@code gfn_to_pfn_cache_invalidate_start}'s loop (R8): under gpc_lock, every listed cache
     * (or, with the index, every cache indexed under a page of the range) invalidates itself.
     * Returns false if some cache's lock answered -EAGAIN (non-blockable range, R10); the walk
     * still visits the rest.
     */
    boolean walk(MmuNotifierRange range) {
        boolean ok = true;
        gpcLock.lock("gfn_to_pfn_cache_invalidate_start");
        try {
            walked = 0;
            cleared = 0;
            if (!indexed) {
                for (PfnCache c : list) {
                    ok &= step(c, range);
                }
            } else {
                long first = range.start() & ~(long) (PfnCache.PAGE_SIZE - 1);
                for (Collection<PfnCache> at : index.subMap(first, true, range.end(), false).values()) {
                    for (PfnCache c : at) {
                        ok &= step(c, range);
                    }
                }
            }
        } finally {
            gpcLock.unlock();
        }
        return ok;
    }

    /** One cache of the walk; gpcLock held. */
    private boolean step(PfnCache c, MmuNotifierRange range) {
        walked++;
        int r = c.invalidateStart(range);
        if (r == PfnCache.CLEARED) {
            cleared++;
        }
        return r != PfnCache.EAGAIN;
    }
}
