package org.secmon.ems.ctl;

/** A usage or input problem secmonctl reports in one line (exit status 2). */
final class CtlException extends RuntimeException {
    CtlException(String message) {
        super(message);
    }

    CtlException(String message, Throwable cause) {
        super(message, cause);
    }
}
