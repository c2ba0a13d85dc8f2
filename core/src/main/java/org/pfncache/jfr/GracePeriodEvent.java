package org.pfncache.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** A thread waiting for an SRCU grace period ({@code synchronize_srcu}). */
@Name("org.pfncache.GracePeriod")
@Label("SRCU grace period wait")
@Category("pfncache")
@Threshold("0 ms")
@StackTrace(false)
@Description("synchronize_srcu: from the call until every reader that entered before it has left")
public final class GracePeriodEvent extends jdk.jfr.Event {
    @Label("Domain")
    public String domain;
    @Label("Completed")
    @Description("false when a bounded wait expired first")
    public boolean completed;
}
