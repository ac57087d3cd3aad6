package org.secmon.console.ipsec;

/** A tunnel with the SA state its appliance last reported. */
public record TunnelRow(String name, String appliance, String endpoints, String auth, String dscp, String ike,
        String child, String esp, long bytesIn, long bytesOut, String reportedAt) {
}
