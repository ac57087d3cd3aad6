package org.secmon.plugins.netflow.meta;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Aes128} against FIPS 197's example and the JDK's AES and AES-GCM on random keys, data and lengths. */
class Aes128Test {
    static final HexFormat HEX = HexFormat.of();

    @Test
    void fips197AppendixC1() {
        Aes128 a = new Aes128();
        a.key(HEX.parseHex("000102030405060708090a0b0c0d0e0f"), 0);
        byte[] out = new byte[16];
        a.encryptBlock(HEX.parseHex("00112233445566778899aabbccddeeff"), 0, out, 0);
        assertEquals("69c4e0d86a7b0430d8cdb78070b4c55a", HEX.formatHex(out));
    }

    @Test
    void blocksAndGcmAgreeWithTheJdk() throws Exception {
        SplittableRandom rnd = new SplittableRandom(9001);
        Aes128 a = new Aes128();
        for (int round = 0; round < 300; round++) {
            byte[] key = new byte[16];
            rnd.nextBytes(key);
            a.key(key, 0);
            byte[] block = new byte[16];
            rnd.nextBytes(block);
            Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
            byte[] mine = new byte[16];
            a.encryptBlock(block, 0, mine, 0);
            assertArrayEquals(ecb.doFinal(block), mine, "block " + round);

            byte[] iv = new byte[12];
            rnd.nextBytes(iv);
            byte[] aad = new byte[rnd.nextInt(0, 60)];
            rnd.nextBytes(aad);
            byte[] plain = new byte[rnd.nextInt(0, 1300)];
            rnd.nextBytes(plain);
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
            gcm.updateAAD(aad);
            byte[] sealed = gcm.doFinal(plain);
            byte[] out = new byte[sealed.length];
            assertEquals(plain.length, a.decryptGcm(iv, 0, aad, 0, aad.length, sealed, 0, sealed.length, out, 0));
            assertArrayEquals(plain, Arrays.copyOf(out, plain.length), "gcm " + round);
            sealed[rnd.nextInt(sealed.length)] ^= 1;
            assertEquals(-1, a.decryptGcm(iv, 0, aad, 0, aad.length, sealed, 0, sealed.length, out, 0),
                    "a changed byte fails the tag");
        }
    }
}
