package org.pfncache.cli;

/**
 * Quiets the simulated host's INFO log ("oom_reaper: unable to reap", "callback failed with -11")
 * while a command runs: the commands count those events themselves (incomplete reaps, ranges
 * skipped, notifier failures), and a soak makes thousands of them, which would bury the progress
 * lines on stderr. WARNING and above still show.
 *
 * <p>The logger is java.util.logging's (System.Logger's default back end), reached reflectively:
 * the org.pfncache module does not require java.logging. Where that module or back end is absent,
 * this does nothing.
 */
final class HostLog implements AutoCloseable {
    private static final String HOST_LOGGER = "org.pfncache.host";

    /** The JUL logger (held strongly, as JUL keeps loggers weakly) and its level before; null if unavailable. */
    private final Object logger;
    private final Object previousLevel;

    private HostLog(Object logger, Object previousLevel) {
        this.logger = logger;
        this.previousLevel = previousLevel;
    }

    static HostLog quiet() {
        try {
            Class<?> loggerClass = Class.forName("java.util.logging.Logger");
            Class<?> levelClass = Class.forName("java.util.logging.Level");
            Object logger = loggerClass.getMethod("getLogger", String.class).invoke(null, HOST_LOGGER);
            Object previous = loggerClass.getMethod("getLevel").invoke(logger);
            loggerClass.getMethod("setLevel", levelClass).invoke(logger, levelClass.getField("WARNING").get(null));
            return new HostLog(logger, previous);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return new HostLog(null, null);
        }
    }

    @Override
    public void close() {
        if (logger == null) {
            return;
        }
        try {
            Class<?> levelClass = Class.forName("java.util.logging.Level");
            logger.getClass().getMethod("setLevel", levelClass).invoke(logger, previousLevel);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            // Leaving the level raised is harmless.
        }
    }
}
