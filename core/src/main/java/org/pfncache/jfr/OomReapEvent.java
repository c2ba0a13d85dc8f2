package org.pfncache.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** One {@code oom_reap_task}: its attempts and what they reaped. */
@Name("org.pfncache.OomReap")
@Label("OOM reap")
@Category("pfncache")
@Threshold("0 ms")
@StackTrace(false)
@Description("oom_reap_task: attempts of oom_reap_task_mm until one reaps every VMA or they run out")
public final class OomReapEvent extends jdk.jfr.Event {
    @Label("Pid")
    public int pid;
    @Label("Attempts")
    public int attempts;
    @Label("Ranges reaped")
    public int rangesReaped;
    @Label("Ranges skipped")
    @Description("VMAs whose non-blockable invalidation a notifier failed (-EAGAIN)")
    public int rangesSkipped;
    @Label("Complete")
    @Description("false: \"oom_reaper: unable to reap\"")
    public boolean complete;
}
