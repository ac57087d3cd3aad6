package org.secmon.ems.api.model;

import java.util.List;
import java.util.Locale;

import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Errors;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats.Kind;
import org.secmon.ems.api.schema.OneOf;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Required;

@Doc("IKE (phase 1) proposal and lifetime, as the original IPsec EMS's IKE policy.")
public record IkePolicy(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Format(Kind.NAME) String name,
        @OneOf({"ikev1", "ikev2"}) @Doc("ikev2 (default) or ikev1") String ikeVersion,
        @OneOf({"aes128", "aes256", "aes128gcm16", "aes256gcm16"})
        @Doc("aes128, aes256, aes128gcm16 or aes256gcm16 (default aes256gcm16)") String encryption,
        @OneOf({"sha1", "sha256", "sha384", "sha512"})
        @Doc("sha1 (IKEv1 only), sha256 (default), sha384 or sha512; the PRF with GCM") String integrity,
        @OneOf({"modp2048", "modp3072", "modp4096", "ecp256", "ecp384", "ecp521", "curve25519"})
        @Doc("modp2048, modp3072, modp4096, ecp256 (default), ecp384, ecp521 or curve25519") String dhGroup,
        @Range(min = 300, max = 86400) @Doc("IKE SA lifetime in seconds, default 14400") Integer lifetime,
        @OneOf({"rekey", "reauth"}) @Doc("rekey (default) or reauth when the lifetime ends") String rekeyMode) implements Entity {

    static final List<String> ENCRYPTION = List.of("aes128", "aes256", "aes128gcm16", "aes256gcm16");
    static final List<String> INTEGRITY = List.of("sha1", "sha256", "sha384", "sha512");
    static final List<String> DH = List.of("modp2048", "modp3072", "modp4096", "ecp256", "ecp384", "ecp521",
            "curve25519");

    public IkePolicy {
        ikeVersion = ikeVersion == null ? "ikev2" : ikeVersion.toLowerCase(Locale.ROOT);
        encryption = encryption == null ? "aes256gcm16" : encryption.toLowerCase(Locale.ROOT);
        integrity = integrity == null ? "sha256" : integrity.toLowerCase(Locale.ROOT);
        dhGroup = dhGroup == null ? "ecp256" : dhGroup.toLowerCase(Locale.ROOT);
        lifetime = lifetime == null ? 14400 : lifetime;
        rekeyMode = rekeyMode == null ? "rekey" : rekeyMode.toLowerCase(Locale.ROOT);
    }

    @Override
    public void validate(Errors errors) {
        if (!ikeVersion.equals("ikev1") && !ikeVersion.equals("ikev2")) {
            errors.add("ike_version", "must be ikev1 or ikev2");
        }
        checkCrypto(errors, encryption, integrity, dhGroup, "dh_group", ikeVersion.equals("ikev2"));
        if (!rekeyMode.equals("rekey") && !rekeyMode.equals("reauth")) {
            errors.add("rekey_mode", "must be rekey or reauth");
        }
    }

    /** Shared by IKE and IPsec policies: known algorithms only, and nothing weak. */
    static void checkCrypto(Errors errors, String encryption, String integrity, String group, String groupField,
            boolean ikev2) {
        if (encryption.startsWith("3des") || encryption.startsWith("des") || encryption.equals("null")) {
            errors.add("encryption", encryption + " is too weak; use aes256gcm16, aes128gcm16, aes256 or aes128");
        } else if (!ENCRYPTION.contains(encryption)) {
            errors.add("encryption", "must be one of " + String.join(", ", ENCRYPTION));
        }
        if (integrity.equals("md5")) {
            errors.add("integrity", "md5 is broken; use sha256 or stronger");
        } else if (!INTEGRITY.contains(integrity)) {
            errors.add("integrity", "must be one of " + String.join(", ", INTEGRITY));
        } else if (integrity.equals("sha1") && ikev2) {
            errors.add("integrity", "sha1 is refused with IKEv2, which offers sha256 and stronger everywhere");
        }
        if (group != null && !group.equals("none")) {
            if (group.matches("modp(768|1024|1536)")) {
                errors.add(groupField, group + " is too weak (MODP below 2048 bits); use modp2048 or stronger, or "
                        + "ecp256");
            } else if (!DH.contains(group)) {
                errors.add(groupField, "must be one of " + String.join(", ", DH));
            }
        }
    }

    /** strongSwan proposal, e.g. {@code aes256gcm16-prfsha256-ecp256} or {@code aes256-sha256-modp2048}. */
    public String proposal() {
        return encryption.contains("gcm") ? encryption + "-prf" + integrity + "-" + dhGroup
                : encryption + "-" + integrity + "-" + dhGroup;
    }
}
