package com.example.embed;

import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.PreemptionModel;
import org.pfncache.Vm;

/** README's embedding example, run from a named module; exits 1 if a result is not what it says. */
public final class Embed {
    public static void main(String[] args) {
        check(Embed.class.getModule().isNamed(), "com.example.embed runs as a named module");
        check("org.pfncache".equals(Vm.class.getModule().getName()), "pfncache-core is the module org.pfncache");
        long v;
        long afterMigrate;
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
            v = cache.read(8, k -> k.getLong(0));
            vm.mm().migrate(hva + 3 * PfnCache.PAGE_SIZE);
            check(!cache.isValid(), "migrating the page invalidates the cache");
            afterMigrate = cache.read(8, k -> k.getLong(0));
        }
        check(v == 42, "read what was written");
        check(afterMigrate == 42, "the next read refreshes and sees the same value");
        System.out.println("embed: org.pfncache on the module path, read " + v + " before and " + afterMigrate
                + " after migration: OK");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("embed: FAILED: " + what);
            System.exit(1);
        }
    }
}
