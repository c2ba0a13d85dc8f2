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

    private int at(int offset, int size) {
        if (offset < 0 || offset > PfnCache.PAGE_SIZE - base - size) {
            throw new IndexOutOfBoundsException("khva access of " + size + " byte(s) at offset " + offset
                    + " leaves the page (cache offset " + base + ", page size " + PfnCache.PAGE_SIZE + ")");
        }
        return base + offset;
    }

    @Override
    public long getLong(int offset) {
        return mapping.getLong(at(offset, Long.BYTES));
    }

    @Override
    public void putLong(int offset, long value) {
        mapping.putLong(at(offset, Long.BYTES), value);
    }

    @Override
    public byte get(int offset) {
        return mapping.get(at(offset, 1));
    }

    @Override
    public void put(int offset, byte value) {
        mapping.put(at(offset, 1), value);
    }

    @Override
    public String toString() {
        return "khva(pfn=" + mapping.pfn() + ", offset=" + base + ")";
    }
}
