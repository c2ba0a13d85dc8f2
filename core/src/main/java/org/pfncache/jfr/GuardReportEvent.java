package org.pfncache.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** A guard report: a "BUG: sleeping function called from invalid context" splat or a WARN. */
@Name("org.pfncache.GuardReport")
@Label("Guard report")
@Category("pfncache")
@Threshold("0 ms")
@StackTrace(false)
@Description("A BUG (sleeping in an invalid context) or a WARN, as the kernel would print it")
public final class GuardReportEvent extends jdk.jfr.Event {
    @Label("Kind")
    public String kind;
    @Label("Title")
    public String title;
    @Label("Site")
    @Description("the Java-side site: a lock name or a might-sleep call")
    public String site;
    @Label("Non-block")
    public int nonBlock;
    @Label("Splat")
    public String splat;
}
