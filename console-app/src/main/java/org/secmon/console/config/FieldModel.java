package org.secmon.console.config;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import org.secmon.ems.api.schema.Formats;

/**
 * One field of an entity editor, derived from the model record's annotations: its control type, label, help, the
 * value being edited (as text, a flag, a list or collector-set members) and the error shown beside it — from the
 * live format check while typing, and from the EMS's validation on save.
 */
public final class FieldModel {
    public enum Type {
        /** free text, possibly with a format (CIDR, port range...) checked while typing */
        TEXT,
        /** an integer, with its range */
        NUMBER,
        /** true / false */
        BOOL,
        /** one of an enum's values */
        CHOICE,
        /** the name of another entity */
        REF,
        /** an ordered list of other entities' names (a policy's rules) or of enum values */
        LIST,
        /** one text per line (addresses, SSH keys, subnets) */
        TEXT_LIST,
        /** write-only (password, PSK): never shown, empty leaves it unchanged */
        SECRET,
        /** a collector set's members with their weights */
        MEMBERS,
        /** anything else (a role's permissions): JSON */
        JSON
    }

    private final String name;
    private final Type type;
    private final String doc;
    private final boolean required;
    private final String target;
    private final Formats.Kind format;
    private final long min;
    private final long max;
    private final StringProperty value = new SimpleStringProperty("");
    private final BooleanProperty checked = new SimpleBooleanProperty(false);
    private final ObservableList<String> items = FXCollections.observableArrayList();
    private final ObservableList<String> choices = FXCollections.observableArrayList();
    private final ObservableList<Member> members = FXCollections.observableArrayList();
    private final StringProperty error = new SimpleStringProperty("");
    private final StringProperty hint = new SimpleStringProperty("");
    private final BooleanProperty enabled = new SimpleBooleanProperty(true);

    FieldModel(String name, Type type, String doc, boolean required, String target, Formats.Kind format, long min,
            long max) {
        this.name = name;
        this.type = type;
        this.doc = doc;
        this.required = required;
        this.target = target;
        this.format = format;
        this.min = min;
        this.max = max;
        value.addListener((o, a, b) -> checkLive());
    }

    /** The JSON name, e.g. {@code dst_port}. */
    public String name() {
        return name;
    }

    /** "Dst port" — the JSON name for people. */
    public String label() {
        String s = name.replace('_', ' ');
        s = s.replace(" ip", " IP").replace(" mac", " MAC").replace("dscp", "DSCP").replace("psk", "PSK")
                .replace("ssh", "SSH").replace("dpd", "DPD").replace("ike", "IKE").replace("ipsec", "IPsec");
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    public Type type() {
        return type;
    }

    /** The model's documentation of the field and its format, for tooltips. */
    public String doc() {
        return doc;
    }

    public boolean required() {
        return required;
    }

    /** The collection a REF or LIST field names entities of, or null. */
    public String target() {
        return target;
    }

    public Formats.Kind format() {
        return format;
    }

    public StringProperty valueProperty() {
        return value;
    }

    public BooleanProperty checkedProperty() {
        return checked;
    }

    /** LIST: the chosen names or values, in order. */
    public ObservableList<String> items() {
        return items;
    }

    /** CHOICE, REF, LIST: what can be chosen. */
    public ObservableList<String> choices() {
        return choices;
    }

    public ObservableList<Member> members() {
        return members;
    }

    public StringProperty errorProperty() {
        return error;
    }

    /** Prompt text: the default the EMS applies when the field is left empty. */
    public StringProperty hintProperty() {
        return hint;
    }

    /** False when the field does not apply (ports with protocol icmp). */
    public BooleanProperty enabledProperty() {
        return enabled;
    }

    // ---- members ---------------------------------------------------------------------------------------------

    public Member addMember(String collector, int weight) {
        Member m = new Member(collector, weight, this);
        members.add(m);
        sharesChanged();
        return m;
    }

    public void removeMember(Member m) {
        members.remove(m);
        sharesChanged();
    }

    void sharesChanged() {
        int total = members.stream().mapToInt(m -> m.weightProperty().get()).sum();
        for (Member m : members) {
            int w = m.weightProperty().get();
            m.share(w == 0 ? "standby" : total == 0 ? "" : Math.round(100.0 * w / total) + " %");
        }
    }

    // ---- checks ----------------------------------------------------------------------------------------------

    /** The format or range problem of the current text, or "" — shown while typing, before any save. */
    void checkLive() {
        String v = value.get() == null ? "" : value.get().strip();
        if (v.isEmpty()) {
            error.set("");
            return;
        }
        if (type == Type.NUMBER) {
            try {
                long n = Long.parseLong(v);
                error.set(n < min || n > max ? "must be between " + min + " and " + max : "");
            } catch (NumberFormatException e) {
                error.set("must be a whole number");
            }
        } else if (type == Type.TEXT && format != null) {
            String problem = Formats.check(format, v);
            error.set(problem == null ? "" : problem);
        }
    }

    /** A collector-set member: the collector's name and its weight (0 = standby); share is its part of the load. */
    public static final class Member {
        private final StringProperty collector = new SimpleStringProperty();
        private final javafx.beans.property.IntegerProperty weight = new javafx.beans.property.SimpleIntegerProperty();
        private final StringProperty share = new SimpleStringProperty("");

        Member(String collector, int weight, FieldModel owner) {
            this.collector.set(collector);
            this.weight.set(weight);
            this.weight.addListener((o, a, b) -> owner.sharesChanged());
        }

        public StringProperty collectorProperty() {
            return collector;
        }

        public javafx.beans.property.IntegerProperty weightProperty() {
            return weight;
        }

        public StringProperty shareProperty() {
            return share;
        }

        void share(String s) {
            share.set(s);
        }
    }
}
