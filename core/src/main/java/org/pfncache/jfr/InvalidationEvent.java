package org.pfncache.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** One {@code kvm_mmu_notifier_invalidate_range_start}, its walk of gpc_list and its drain. */
@Name("org.pfncache.Invalidation")
@Label("Invalidation")
@Category("pfncache")
@Threshold("0 ms")
@StackTrace(false)
@Description("kvm_mmu_notifier_invalidate_range_start: the walk of gpc_list, the drain, mmu_lock")
public final class InvalidationEvent extends jdk.jfr.Event {
    @Label("Vm")
    public int vm;
    @Label("Start hva")
    public long start;
    @Label("End hva")
    public long end;
    @Label("Blockable")
    public boolean blockable;
    @Label("Cause")
    @Description("UNMAP, MIGRATE or OOM_REAP")
    public String cause;
    @Label("Caches walked")
    public int cachesWalked;
    @Label("Caches cleared")
    @Description("caches whose valid flag this invalidation cleared")
    public int cachesCleared;
    @Label("Outcome")
    @Description("OK, or EAGAIN (a non-blockable range a strategy could not finish: the kernel WARNs)")
    public String outcome;
}
