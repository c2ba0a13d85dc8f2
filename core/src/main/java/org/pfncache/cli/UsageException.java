package org.pfncache.cli;

/** A bad command line: the message names the offending word; {@link Main} exits with status 2. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
