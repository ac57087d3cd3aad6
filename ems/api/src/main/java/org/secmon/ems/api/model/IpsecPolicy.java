package org.secmon.ems.api.model;

import java.util.Locale;

import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Errors;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats.Kind;
import org.secmon.ems.api.schema.OneOf;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Required;

@Doc("IPsec (phase 2) proposal: ESP in tunnel mode, transforms, PFS and lifetime.")
public record IpsecPolicy(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Format(Kind.NAME) String name,
        @OneOf({"aes128", "aes256", "aes128gcm16", "aes256gcm16"})
        @Doc("aes128, aes256, aes128gcm16 or aes256gcm16 (default aes256gcm16)") String encryption,
        @OneOf({"sha1", "sha256", "sha384", "sha512"})
        @Doc("sha1, sha256 (default), sha384 or sha512; not used with GCM") String integrity,
        @OneOf({"none", "modp2048", "modp3072", "modp4096", "ecp256", "ecp384", "ecp521", "curve25519"})
        @Doc("perfect forward secrecy DH group (as IKE), or none; default ecp256") String pfsGroup,
        @Range(min = 300, max = 86400) @Doc("CHILD SA lifetime in seconds, default 3600") Integer lifetime)
        implements Entity {

    public IpsecPolicy {
        encryption = encryption == null ? "aes256gcm16" : encryption.toLowerCase(Locale.ROOT);
        integrity = integrity == null ? "sha256" : integrity.toLowerCase(Locale.ROOT);
        pfsGroup = pfsGroup == null ? "ecp256" : pfsGroup.toLowerCase(Locale.ROOT);
        lifetime = lifetime == null ? 3600 : lifetime;
    }

    @Override
    public void validate(Errors errors) {
        IkePolicy.checkCrypto(errors, encryption, integrity, pfsGroup, "pfs_group", false);
    }

    /** strongSwan ESP proposal, e.g. {@code aes256gcm16-ecp256} or {@code aes128-sha1-modp2048}. */
    public String espProposal() {
        String base = encryption.contains("gcm") ? encryption : encryption + "-" + integrity;
        return pfsGroup.equals("none") ? base : base + "-" + pfsGroup;
    }
}
