package org.pfncache;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The Vm's memslots: gfn ranges mapped onto hva ranges, replaced as a whole on every change
 * (R11). Readers take one immutable {@link Snapshot} (the analogue of {@code kvm_memslots()} under
 * kvm->srcu), so a generation and the slots it names are always seen together.
 *
 * <p>An update is {@code kvm_swap_active_memslots}: it waits until no MMU-notifier invalidation
 * is in progress, publishes the new slots with the old generation plus
 * {@link #GEN_UPDATE_IN_PROGRESS}, then publishes them again with the generation advanced by
 * {@link #GENERATION_STEP} (x86 splits generations between its two address spaces, so each steps
 * by 2). A gpa-based cache refreshed in between records the in-progress generation, which no
 * final generation equals, so it fails check() and refreshes again.
 */
public final class Memslots {
    private static final int PAGE_SHIFT = 12;
    /** KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS, bit 63. */
    public static final long GEN_UPDATE_IN_PROGRESS = 1L << 63;
    /** How far the generation advances per update: the number of address spaces (2 on x86). */
    public static final long GENERATION_STEP = 2;

    /** One slot: gfns [baseGfn, baseGfn + npages) at hvas from userspaceAddr. */
    record Slot(int id, long baseGfn, long npages, long userspaceAddr) {
        boolean containsGfn(long gfn) {
            return gfn >= baseGfn && gfn - baseGfn < npages;
        }

        boolean overlaps(long base, long n) {
            return base < baseGfn + npages && baseGfn < base + n;
        }
    }

    /** An immutable generation of the slots. */
    record Snapshot(long generation, Slot[] slots) {
        /** gfn_to_hva_memslot: the hva of gpa, or {@link PfnCache#BAD_HVA} when no slot covers it. */
        long gpaToHva(long gpa) {
            long gfn = gpa >>> PAGE_SHIFT;
            for (Slot s : slots) {
                if (s.containsGfn(gfn)) {
                    return s.userspaceAddr + ((gfn - s.baseGfn) << PAGE_SHIFT) + (gpa & (PfnCache.PAGE_SIZE - 1));
                }
            }
            return PfnCache.BAD_HVA;
        }

        /** Whether a slot's hva range overlaps [start, end) (kvm_handle_hva_range's test). */
        boolean overlapsHva(long start, long end) {
            for (Slot s : slots) {
                long hvaEnd = s.userspaceAddr + (s.npages << PAGE_SHIFT);
                if (start < hvaEnd && s.userspaceAddr < end) {
                    return true;
                }
            }
            return false;
        }
    }

    /** slots_lock: one update at a time. */
    private final Object updateLock = new Object();
    /** Published whole; volatile so that a reader of the reference sees the slots it names (R11). */
    private volatile Snapshot current = new Snapshot(0, new Slot[0]);
    /**
     * current's generation, in a field of its own so that check() (R3) loads one volatile long
     * instead of the snapshot and then its field. Written after current, each time: a check that
     * still sees the old value fails against a cache refreshed from the new snapshot and refreshes
     * again; once an update has returned, every check sees its generation.
     */
    private volatile long generation;
    /** The Vm's kvm_swap_active_memslots: runs its argument once no invalidation is in progress. */
    private final Consumer<Runnable> swap;

    Memslots(Consumer<Runnable> swap) {
        this.swap = swap;
    }

    /** Publishes {@code slots}: in-progress generation first (after the Vm's wait), then the final one. */
    private void install(Slot[] slots) {
        long gen = current.generation();
        Snapshot inProgress = new Snapshot(gen | GEN_UPDATE_IN_PROGRESS, slots);
        swap.accept(() -> {
            current = inProgress;
            generation = inProgress.generation();
        });
        Snapshot done = new Snapshot(gen + GENERATION_STEP, slots);
        current = done;
        generation = done.generation();
    }

    /** Adds or replaces slot {@code id} (the generation advances). Overlap with another slot is refused. */
    public void set(int id, long baseGfn, long npages, long userspaceAddr) {
        if (id < 0) {
            throw new IllegalArgumentException("memslot id must be >= 0, got " + id);
        }
        if (baseGfn < 0 || npages <= 0 || baseGfn > (Long.MAX_VALUE >>> PAGE_SHIFT) - npages) {
            throw new IllegalArgumentException("bad memslot gfn range: base_gfn 0x" + Long.toHexString(baseGfn)
                    + ", npages " + npages);
        }
        if (userspaceAddr < 0 || (userspaceAddr & (PfnCache.PAGE_SIZE - 1)) != 0
                || userspaceAddr > Long.MAX_VALUE - (npages << PAGE_SHIFT)) {
            throw new IllegalArgumentException("memslot userspace_addr 0x" + Long.toHexString(userspaceAddr)
                    + " must be page aligned and leave room for " + npages + " pages");
        }
        synchronized (updateLock) {
            Snapshot old = current;
            Slot[] next = Arrays.stream(old.slots()).filter(s -> s.id() != id).toArray(Slot[]::new);
            for (Slot s : next) {
                if (s.overlaps(baseGfn, npages)) {
                    throw new IllegalArgumentException("memslot " + id + " [gfn 0x" + Long.toHexString(baseGfn)
                            + ", +" + npages + ") overlaps memslot " + s.id() + " [gfn 0x"
                            + Long.toHexString(s.baseGfn()) + ", +" + s.npages() + ")");
                }
            }
            next = Arrays.copyOf(next, next.length + 1);
            next[next.length - 1] = new Slot(id, baseGfn, npages, userspaceAddr);
            install(next);
        }
    }

    /** Deletes slot {@code id} (the generation advances). An unknown id is refused. */
    public void delete(int id) {
        synchronized (updateLock) {
            Snapshot old = current;
            Slot[] next = Arrays.stream(old.slots()).filter(s -> s.id() != id).toArray(Slot[]::new);
            if (next.length == old.slots().length) {
                throw new IllegalArgumentException("no memslot with id " + id);
            }
            install(next);
        }
    }

    public long generation() {
        return generation;
    }

    Snapshot snapshot() {
        return current;
    }
}
