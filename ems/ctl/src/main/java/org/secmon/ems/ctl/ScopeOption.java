package org.secmon.ems.ctl;

import picocli.CommandLine.Option;

/** {@code -s/--scope}: the scope a scoped entity is in, by name or id (names are unique within a scope only). */
final class ScopeOption {
    @Option(names = {"-s", "--scope"}, paramLabel = "SCOPE", description = "the scope (name or id)")
    String scope;
}
