package org.secmon.ems.server.store;

/** The store could not be read or written (unreachable, refused, corrupt); the API answers 503. */
public class StoreException extends Exception {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
