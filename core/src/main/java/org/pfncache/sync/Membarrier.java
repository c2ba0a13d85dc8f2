package org.pfncache.sync;

/**
 * {@code membarrier(2)} for {@link AsymmetricFence}: this is the Java 17 class, which never has
 * it. The Java 22 class of the same name, in this jar's {@code META-INF/versions/22}, makes the
 * system call through {@code java.lang.foreign}; the JVM loads that one instead on Java 22+ when
 * this code comes from the multi-release jar.
 */
final class Membarrier {
    private final String reason;

    private Membarrier(String reason) {
        this.reason = reason;
    }

    /** Never registered here; {@link #describe()} says why. */
    static Membarrier open() {
        int feature = Runtime.version().feature();
        return new Membarrier(feature < 22
                ? "no membarrier: java.lang.foreign needs Java 22+, this is Java " + feature
                : "no membarrier: this is Java " + feature + " but the Java 22 classes of the multi-release jar"
                        + " were not loaded (a class directory, or a jar without 'Multi-Release: true')");
    }

    boolean registered() {
        return false;
    }

    String describe() {
        return reason;
    }

    void barrier() {
        throw new UnsupportedOperationException(reason);
    }
}
