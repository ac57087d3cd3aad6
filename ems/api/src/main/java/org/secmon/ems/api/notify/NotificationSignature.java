package org.secmon.ems.api.notify;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How the EMS proves that a notification is its own: {@code X-SecMon-Signature: t=SECONDS,v1=HEX}, HEX being the
 * HMAC-SHA256 of {@code SECONDS + "." + body} under the appliance's notification secret (issued at registration,
 * never sent again). The agent accepts a signature within {@link #MAX_SKEW_SECONDS} of its clock; the secret never
 * travels with a notification, so a sniffed one cannot be turned into a forged one, and a replayed one within the
 * window only makes the agent ask the EMS again (every change is confirmed with the EMS before it is applied).
 */
public final class NotificationSignature {
    public static final String HEADER = "X-SecMon-Signature";
    public static final long MAX_SKEW_SECONDS = 300;

    private NotificationSignature() {
    }

    /** The header value for {@code body} sent at {@code epochSeconds}. */
    public static String sign(String secret, long epochSeconds, byte[] body) {
        return "t=" + epochSeconds + ",v1=" + HexFormat.of().formatHex(mac(secret, epochSeconds, body));
    }

    /** Null when {@code header} signs {@code body} under {@code secret} within the skew of {@code nowSeconds}, else why not. */
    public static String verify(String secret, String header, byte[] body, long nowSeconds) {
        if (secret == null) {
            return "not registered";
        }
        if (header == null) {
            return "missing " + HEADER;
        }
        long t = -1;
        byte[] given = null;
        for (String part : header.split(",")) {
            String p = part.strip();
            try {
                if (p.startsWith("t=")) {
                    t = Long.parseLong(p.substring(2));
                } else if (p.startsWith("v1=")) {
                    given = HexFormat.of().parseHex(p.substring(3));
                }
            } catch (IllegalArgumentException e) {
                return "malformed " + HEADER;
            }
        }
        if (t < 0 || given == null) {
            return "malformed " + HEADER;
        }
        if (Math.abs(nowSeconds - t) > MAX_SKEW_SECONDS) {
            return "signature time " + t + " is more than " + MAX_SKEW_SECONDS + " s from this appliance's clock "
                    + nowSeconds;
        }
        return MessageDigest.isEqual(mac(secret, t, body), given) ? null : "wrong signature";
    }

    private static byte[] mac(String secret, long t, byte[] body) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            m.update((t + ".").getBytes(StandardCharsets.US_ASCII));
            return m.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
