package org.pfncache;

/**
 * The kernel mapping of a cache's page, addressed relative to the cache's offset in the page
 * ({@code gpc->khva}). An access that would leave the page throws
 * {@link IndexOutOfBoundsException}; an access through a mapping whose page has been freed is
 * carried out, as in the kernel, and counted by the host's use-after-free detector.
 */
public interface Khva {
    long getLong(int offset);

    void putLong(int offset, long value);

    byte get(int offset);

    void put(int offset, byte value);
}
