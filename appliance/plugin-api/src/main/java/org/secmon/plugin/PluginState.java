package org.secmon.plugin;

/** Lifecycle of a loaded plugin, after pf4j. */
public enum PluginState {
    /** Loaded and instantiated, not yet started. */
    CREATED,
    /** Initialised, configured and receiving packets. */
    STARTED,
    /** Stopped by the operator or because its jar was removed. */
    STOPPED,
    /** Threw from a lifecycle method or from a packet callback; isolated, receives nothing. */
    FAILED
}
