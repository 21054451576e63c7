// VaultSign CONFIG ALIAS ALGORITHM MESSAGE SIGNATURE_OUT [PIN_FILE]: signs
// MESSAGE with the private key of keystore entry ALIAS of a SunPKCS11
// provider made from CONFIG (the key stays in the token), writes the
// signature, and verifies it with the entry's certificate through the
// JDK's own providers.  With PIN_FILE the key store logs in with the PIN
// that file holds (PIN mode).  Prints one line; exits 1 when the signature
// does not verify.
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;

public final class VaultSign {
	public static void main(String[] args) throws Exception {
		Provider token = Security.getProvider("SunPKCS11").configure(args[0]);
		String alias = args[1], algorithm = args[2];
		KeyStore ks = KeyStore.getInstance("PKCS11", token);
		ks.load(null, args.length > 5 ? pin(args[5]) : null);
		PrivateKey key = (PrivateKey) ks.getKey(alias, null);
		X509Certificate cert = (X509Certificate) ks.getCertificate(alias);
		if (key == null || cert == null)
			throw new IllegalStateException("no key entry " + alias);
		byte[] message = Files.readAllBytes(Path.of(args[3]));

		Signature signer = Signature.getInstance(algorithm, token);
		pssParameters(signer, algorithm);
		signer.initSign(key);
		signer.update(message);
		byte[] signature = signer.sign();
		Files.write(Path.of(args[4]), signature);

		// The JDK's own providers name PSS only "RSASSA-PSS" (the digest
		// is in the parameters).
		Signature verifier = Signature.getInstance(
			algorithm.endsWith("RSASSA-PSS") ? "RSASSA-PSS" : algorithm);
		pssParameters(verifier, algorithm);
		verifier.initVerify(cert.getPublicKey());
		verifier.update(message);
		boolean good = verifier.verify(signature);
		System.out.println(algorithm + " with " + key.getAlgorithm() + " key "
			+ alias + " by " + signer.getProvider().getName() + ", verified by "
			+ verifier.getProvider().getName() + ": " + (good ? "good" : "BAD"));
		System.exit(good ? 0 : 1);
	}

	// The PIN from a file, not the command line (which others may see).
	private static char[] pin(String file) throws Exception {
		return Files.readString(Path.of(file)).strip().toCharArray();
	}

	// RSASSA-PSS as TLS 1.3 uses it: SHA-256, MGF1 with SHA-256, a
	// 32-byte salt.
	private static void pssParameters(Signature s, String algorithm) throws Exception {
		if (algorithm.endsWith("RSASSA-PSS"))
			s.setParameter(new PSSParameterSpec("SHA-256", "MGF1",
				MGF1ParameterSpec.SHA256, 32, 1));
	}
}
