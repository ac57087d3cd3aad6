package org.secmon.plugin;

import java.util.Objects;

/**
 * A plugin's identity (as VPP's FEATURE.yaml): id, version, the plugin API version it was built against, a one-line
 * description, its preferred delivery mode, and what it knowingly lacks.
 *
 * @param id          stable identifier, e.g. {@code netflow}; lower case letters, digits and '-'
 * @param version     the plugin's own version
 * @param apiVersion  the {@link PluginApi#VERSION} the plugin was compiled against
 * @param description one line for operators
 * @param mode        preferred delivery mode (the configuration may override it)
 * @param lacks       known missing features, empty if none
 * @param queueLocal  the plugin scales with rx queues: with several, the host gives each queue an instance of its
 *                    own (made with the plugin class's public no-argument constructor), called in {@link
 *                    DeliveryMode#DIRECT} mode on that queue's thread; what the instances must share they share
 *                    through {@link PluginContext#shared}. False: one instance behind every queue (in
 *                    {@link DeliveryMode#RING} mode when there are several).
 */
public record PluginDescriptor(String id, String version, int apiVersion, String description, DeliveryMode mode,
                               String lacks, boolean queueLocal) {
    /** A plugin that runs as one instance whatever the number of rx queues. */
    public PluginDescriptor(String id, String version, int apiVersion, String description, DeliveryMode mode,
                            String lacks) {
        this(id, version, apiVersion, description, mode, lacks, false);
    }

    public PluginDescriptor {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(mode, "mode");
        description = description == null ? "" : description;
        lacks = lacks == null ? "" : lacks;
        if (!id.matches("[a-z][a-z0-9-]{0,62}")) {
            throw new IllegalArgumentException("plugin id must match [a-z][a-z0-9-]{0,62}: '" + id + "'");
        }
    }
}
