package org.secmon.dataplane.filter;

/** What a matching rule does with a packet for its plugin. */
public enum Action {
    FORWARD,
    DROP
}
