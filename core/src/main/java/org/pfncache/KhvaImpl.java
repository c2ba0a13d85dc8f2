package org.pfncache;

import org.pfncache.host.KernelMapping;

/** A page's kernel mapping plus the cache's offset in the page; immutable, made once per refresh. */
final class KhvaImpl implements Khva {
    final KernelMapping mapping;
    private final int base;

    KhvaImpl(KernelMapping mapping, int base) {
        this.mapping = mapping;
        this.base = base;
    }

    /*
     * One bounds check per access, KernelMapping's on the page offset base + offset (issue 10:
     * no duplicate range checks on the read path). With base in [0, PAGE_SIZE) that check accepts
     * exactly the offsets in [-base, PAGE_SIZE - base - size]; the sign test here removes the
     * negative ones, so together they are the khva window's check. The rejection is re-thrown
     * with the khva's own terms; nothing was accessed.
     */

    private static void requireNonNegative(int offset, int size, int base) {
        if (offset < 0) {
            throw outside(offset, size, base);
        }
    }

    private static IndexOutOfBoundsException outside(int offset, int size, int base) {
        return new IndexOutOfBoundsException("khva access of " + size + " byte(s) at offset " + offset
                + " leaves the page (cache offset " + base + ", page size " + PfnCache.PAGE_SIZE + ")");
    }

    @Override
    public long getLong(int offset) {
        requireNonNegative(offset, Long.BYTES, base);
        try {
            return mapping.getLong(base + offset);
        } catch (IndexOutOfBoundsException e) {
            throw outside(offset, Long.BYTES, base);
        }
    }

    @Override
    public void putLong(int offset, long value) {
        requireNonNegative(offset, Long.BYTES, base);
        try {
            mapping.putLong(base + offset, value);
        } catch (IndexOutOfBoundsException e) {
            throw outside(offset, Long.BYTES, base);
        }
    }

    @Override
    public byte get(int offset) {
        requireNonNegative(offset, 1, base);
        try {
            return mapping.get(base + offset);
        } catch (IndexOutOfBoundsException e) {
            throw outside(offset, 1, base);
        }
    }

    @Override
    public void put(int offset, byte value) {
        requireNonNegative(offset, 1, base);
        try {
            mapping.put(base + offset, value);
        } catch (IndexOutOfBoundsException e) {
            throw outside(offset, 1, base);
        }
    }

    @Override
    public String toString() {
        return "khva(pfn=" + mapping.pfn() + ", offset=" + base + ")";
    }
}
