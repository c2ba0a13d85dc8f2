package org.pfncache.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One subcommand's options: {@code --name value} or {@code --name=value} for valued options,
 * {@code --name} for flags; a later occurrence overrides an earlier one. Every error is a
 * {@link UsageException} naming the subcommand, the option and, where there is one, the value.
 */
final class Options {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
    private static final Duration MAX_DURATION = Duration.ofHours(1);

    private final String command;
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    private Options(String command) {
        this.command = command;
    }

    /** Parses {@code args}; {@code --help} and {@code -h} are always accepted as flags named "help". */
    static Options parse(String command, List<String> args, Set<String> valued, Set<String> flagNames)
            throws UsageException {
        Options o = new Options(command);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--help") || arg.equals("-h")) {
                o.flags.add("help");
                continue;
            }
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException(command + ": unexpected argument '" + arg + "'");
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            if (valued.contains(name)) {
                String value;
                if (eq >= 0) {
                    value = arg.substring(eq + 1);
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new UsageException(command + ": option --" + name + " needs a value");
                }
                o.values.put(name, value);
            } else if (flagNames.contains(name)) {
                if (eq >= 0) {
                    throw new UsageException(command + ": option --" + name + " takes no value, got '" + arg + "'");
                }
                o.flags.add(name);
            } else {
                throw new UsageException(command + ": unknown option '--" + name + "'");
            }
        }
        return o;
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    /** Whether {@code --name} was given a value. */
    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The value of {@code --name} through {@code parser}, or {@code def}; a parser's IllegalArgumentException is a usage error. */
    <T> T value(String name, T def, Function<String, T> parser) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            return parser.apply(v);
        } catch (IllegalArgumentException e) {
            throw bad(name, v, e.getMessage());
        }
    }

    /** A comma-separated list, each element through {@code parser}; empty elements are refused. */
    <T> List<T> list(String name, List<T> def, Function<String, T> parser) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        List<T> out = new ArrayList<>();
        for (String part : v.split(",", -1)) {
            String p = part.trim();
            if (p.isEmpty()) {
                throw bad(name, v, "empty list element");
            }
            try {
                T t = parser.apply(p);
                if (!out.contains(t)) {
                    out.add(t);
                }
            } catch (IllegalArgumentException e) {
                throw bad(name, v, e.getMessage());
            }
        }
        return out;
    }

    int intValue(String name, int def, int min, int max) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw bad(name, v, "not an integer");
        }
        if (n < min || n > max) {
            throw bad(name, v, "must be in [" + min + ", " + max + "]");
        }
        return n;
    }

    Duration duration(String name, Duration def) throws UsageException {
        return value(name, def, Options::parseDuration);
    }

    /** As {@link #duration(String, Duration)}, at most {@code max}. */
    Duration duration(String name, Duration def, Duration max) throws UsageException {
        return value(name, def, v -> parseDuration(v, max));
    }

    private UsageException bad(String name, String value, String why) {
        return new UsageException(command + ": bad value '" + value + "' for --" + name
                + (why == null ? "" : ": " + why));
    }

    /** "500ms", "2s", "1.5s", "10m", "1h": a positive amount with a unit, at most an hour. */
    static Duration parseDuration(String s) {
        return parseDuration(s, MAX_DURATION);
    }

    /** As {@link #parseDuration(String)}, at most {@code max}. */
    static Duration parseDuration(String s, Duration max) {
        Matcher m = DURATION.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a duration such as 500ms, 2s, 1.5s or 10m");
        }
        BigDecimal amount = new BigDecimal(m.group(1));
        long unit = switch (m.group(2)) {
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
        BigDecimal nanos = amount.multiply(BigDecimal.valueOf(unit));
        if (nanos.signum() <= 0) {
            throw new IllegalArgumentException("a duration must be positive");
        }
        if (nanos.compareTo(BigDecimal.valueOf(max.toNanos())) > 0) {
            throw new IllegalArgumentException("a duration must be at most " + (max.toMinutes() >= 120
                    ? max.toHours() + " hours" : max.toMinutes() + " minutes"));
        }
        return Duration.ofNanos(nanos.longValue());
    }

    /** The shortest exact spelling parseDuration accepts: "300ms", "2s", "1.5s". */
    static String formatDuration(Duration d) {
        long nanos = d.toNanos();
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos >= 1_000_000_000L) {
            return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString() + "s";
        }
        return BigDecimal.valueOf(nanos, 6).stripTrailingZeros().toPlainString() + "ms";
    }
}
