package org.pfncache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The README's embedding example, kept compiling and true. */
class ReadmeExampleTest {
    @Test
    void embeddingExampleWorksAsWritten() {
        long seen;
        try (Vm vm = Vm.builder()
                .strategy(InvalidationStrategy.srcu())
                .preemption(PreemptionModel.NONE)
                .guardPolicy(GuardPolicy.OFF)
                .build()) {
            long hva = 0x7f00_0000_0000L;
            vm.mm().mmap(hva, 16 * PfnCache.PAGE_SIZE);
            vm.memslots().set(0, 0, 16, hva);

            PfnCache cache = vm.newCache();
            cache.activate(0x3008, 8);
            cache.write(8, k -> k.putLong(0, 42));
            long v = cache.read(8, k -> k.getLong(0));
            assertEquals(42, v);
            assertEquals(42, vm.mm().readLong(hva + 0x3008));

            try (PfnCache.Section s = cache.enter()) {
                assertTrue(s.check(8));
                assertEquals(42, s.khva().getLong(0));
                assertTrue(s.validate());
            }
            vm.mm().migrate(hva + 3 * PfnCache.PAGE_SIZE);
            assertFalse(cache.isValid());
            seen = cache.read(8, k -> k.getLong(0));
            assertTrue(vm.mm().audit().clean());
        }
        assertEquals(42, seen);
    }
}
