package org.pfncache;

/** EFAULT: no memslot covers the gpa, or the hva is not mapped in the host mm. */
public class PfnCacheFaultException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PfnCacheFaultException(String message) {
        super(message);
    }
}
