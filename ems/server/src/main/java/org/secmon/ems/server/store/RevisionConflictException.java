package org.secmon.ems.server.store;

/** Another writer committed since the expected revision; nothing was applied. */
public final class RevisionConflictException extends StoreException {
    public RevisionConflictException(long expected, long actual) {
        super("store revision moved from " + expected + " to " + actual);
    }
}
