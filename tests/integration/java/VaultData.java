// VaultData MODULE LABEL OUT: the value of the data object LABEL (a
// secret) of the module's first token, written to OUT.  Java's public
// API (KeyStore, Cipher) has no data objects: this goes through the JDK's
// internal PKCS#11 wrapper, which needs
// --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED
// and is not a supported interface.
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_CLASS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_LABEL;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_VALUE;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_SERIAL_SESSION;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_DATA;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.PKCS11;

public final class VaultData {
	public static void main(String[] args) throws Exception {
		PKCS11 p11 = PKCS11.getInstance(args[0], "C_GetFunctionList", null, false);
		long[] slots = p11.C_GetSlotList(true);
		if (slots.length == 0)
			throw new IllegalStateException("no token");
		long session = p11.C_OpenSession(slots[0], CKF_SERIAL_SESSION, null, null);
		try {
			CK_ATTRIBUTE[] match = {
				new CK_ATTRIBUTE(CKA_CLASS, CKO_DATA),
				new CK_ATTRIBUTE(CKA_LABEL, args[1].getBytes(StandardCharsets.UTF_8)),
			};
			p11.C_FindObjectsInit(session, match);
			long[] found = p11.C_FindObjects(session, 2);
			p11.C_FindObjectsFinal(session);
			if (found.length != 1)
				throw new IllegalStateException(found.length + " objects labelled " + args[1]);
			CK_ATTRIBUTE[] value = { new CK_ATTRIBUTE(CKA_VALUE) };
			p11.C_GetAttributeValue(session, found[0], value);
			Files.write(Path.of(args[2]), (byte[]) value[0].pValue);
		} finally {
			p11.C_CloseSession(session);
		}
	}
}
