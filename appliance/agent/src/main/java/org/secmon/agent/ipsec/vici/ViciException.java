package org.secmon.agent.ipsec.vici;

import java.io.IOException;

/** Charon could not be reached, answered something that is not VICI, or refused a command (its reason is the message). */
public final class ViciException extends IOException {
    public ViciException(String message) {
        super(message);
    }

    public ViciException(String message, Throwable cause) {
        super(message, cause);
    }
}
