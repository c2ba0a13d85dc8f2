package org.pfncache.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** One {@code kvm_gpc_refresh} (or the refresh inside {@code kvm_gpc_activate}). */
@Name("org.pfncache.Refresh")
@Label("Refresh")
@Category("pfncache")
@Threshold("0 ms")
@StackTrace(false)
@Description("__kvm_gpc_refresh: how often hva_to_pfn_retry went round, and the outcome")
public final class RefreshEvent extends jdk.jfr.Event {
    @Label("Cache")
    public String cache;
    @Label("Strategy")
    public String strategy;
    @Label("Gpa")
    public long gpa;
    @Label("Uhva")
    public long uhva;
    @Label("Retries")
    @Description("times hva_to_pfn_retry went round because an invalidation ran or completed meanwhile")
    public int retries;
    @Label("Outcome")
    @Description("MAPPED, OFFSET_ONLY (same page) or FAULT")
    public String outcome;
}
