// VaultTls HOST PORT LINE: an unchanged JSSE client.  Everything comes
// from system properties (javax.net.ssl.keyStore=NONE with keyStoreType
// PKCS11 for the client key in the token, a trust store for the server):
// connects, completes the handshake, prints the protocol and the client
// certificate it presented, sends LINE.
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

public final class VaultTls {
	public static void main(String[] args) throws Exception {
		SSLSocketFactory factory = (SSLSocketFactory) SSLSocketFactory.getDefault();
		try (SSLSocket s = (SSLSocket) factory.createSocket(args[0], Integer.parseInt(args[1]))) {
			s.startHandshake();
			SSLSession session = s.getSession();
			Certificate[] mine = session.getLocalCertificates();
			System.out.println("protocol " + session.getProtocol() + ", "
				+ session.getCipherSuite() + ", client certificate "
				+ (mine == null ? "none"
					: ((X509Certificate) mine[0]).getSubjectX500Principal()));
			OutputStream out = s.getOutputStream();
			out.write((args[2] + "\n").getBytes(StandardCharsets.UTF_8));
			out.flush();
		}
	}
}
