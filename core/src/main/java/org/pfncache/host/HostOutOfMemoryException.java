package org.pfncache.host;

/** The simulated physical memory has too few free pages; nothing was allocated or mapped. */
public class HostOutOfMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HostOutOfMemoryException(String message) {
        super(message);
    }
}
