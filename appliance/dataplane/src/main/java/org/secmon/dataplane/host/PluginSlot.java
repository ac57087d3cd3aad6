package org.secmon.dataplane.host;

import org.secmon.dataplane.filter.Classifier;
import org.secmon.plugin.SecmonPlugin;

/** One plugin as one rx thread sees it in a {@link Pipeline} snapshot. Immutable. */
public final class PluginSlot {
    final LoadedPlugin owner;
    final SecmonPlugin plugin;
    final Classifier classifier;
    final SlotState state;
    /** Null in DIRECT mode. */
    final PacketRing ring;

    PluginSlot(LoadedPlugin owner, Classifier classifier, SlotState state) {
        this.owner = owner;
        this.plugin = owner.plugin();
        this.classifier = classifier;
        this.state = state;
        this.ring = state.ring;
    }
}
