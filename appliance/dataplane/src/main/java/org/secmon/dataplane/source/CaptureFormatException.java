package org.secmon.dataplane.source;

import java.io.IOException;

/** A capture file that cannot be read at all: unknown magic, unsupported link type, truncated global header. */
public final class CaptureFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public CaptureFormatException(String message) {
        super(message);
    }
}
