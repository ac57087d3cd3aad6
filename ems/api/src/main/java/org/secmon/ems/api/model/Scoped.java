package org.secmon.ems.api.model;

/** An entity that belongs to a scope (monitoring domain); users see it when they are members of its project. */
public interface Scoped extends Entity {
    String scope();
}
