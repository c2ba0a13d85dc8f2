package org.pfncache.host;

/**
 * What the simulated memory saw: accesses through stale kernel mappings (KASAN-like), writes that
 * landed in freed pages (poison audit), kernel mappings still live, and allocated pages that no
 * page-table entry references (leaked).
 */
public record MemoryAudit(long staleAccesses, long writesToFreedPages, long pagesMapped, long pagesLeaked) {
    /** True when nothing was used after free and nothing leaked. */
    public boolean clean() {
        return staleAccesses == 0 && writesToFreedPages == 0 && pagesLeaked == 0;
    }
}
