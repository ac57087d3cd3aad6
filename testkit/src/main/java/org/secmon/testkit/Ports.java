package org.secmon.testkit;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback ports for servers a test starts. */
public final class Ports {
    private Ports() {
    }

    /**
     * A TCP port free on loopback right now. The socket is closed before returning, so another process may take the
     * port before the caller binds it; tests that pick several keep them distinct themselves.
     */
    public static int freeTcp() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A UDP port free on loopback right now (for a collector a test starts), with the same caveat. */
    public static int freeUdp() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
