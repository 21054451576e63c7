/* conf-test.c - config files good and bad, env precedence, the reserved
 * string, URL and credential rules. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "wire.h"
#include "err.h"

static char dir[] = "/tmp/oc-conf-test-XXXXXX";
static char errbuf[1024];

static const char *env_vars[] = {
    "ONECLAW_PKCS11_CONF",  "ONECLAW_API_URL",
    "ONECLAW_BASE_URL",	    "ONECLAW_AGENT_API_KEY",
    "ONECLAW_AGENT_ID",	    "ONECLAW_API_KEY",
    "ONECLAW_TOKEN",	    "ONECLAW_CREDENTIAL_FILE",
    "ONECLAW_VAULT_ID",	    "ONECLAW_VAULT_NAME",
    "ONECLAW_CMEK_KEY",	    "ONECLAW_CMEK_KEY_FILE",
    "ONECLAW_PKCS11_DEBUG", "ONECLAW_PKCS11_DEBUG_FILE",
    "ONECLAW_PKCS11_AUDIT", "ONECLAW_CA_FILE",
};

static int clear_env(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
	errbuf[0] = '\0';
	return 0;
}

/* Writes a file in the scratch dir; returns its path (static). */
static const char *file_n(const char *name, const char *text, size_t n,
			  mode_t mode)
{
	static char paths[4][512];
	static int next;
	char *path = paths[next++ % 4];
	int fd;

	snprintf(path, 512, "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static const char *file(const char *name, const char *text)
{
	return file_n(name, text, strlen(text), 0600);
}

static int load_text(struct oc_conf *c, const char *text)
{
	return oc_conf_load_file(c, file("t.conf", text), errbuf,
				 sizeof(errbuf));
}

static void assert_zeroed(const struct oc_conf *c)
{
	struct oc_conf z;

	memset(&z, 0, sizeof(z));
	assert_memory_equal(c, &z, sizeof(z));
}

/* Expects OC_ERR_CONFIG and a message "<path>:<suffix>". */
static void expect_error(const char *text, const char *suffix)
{
	struct oc_conf c;
	char expect[1024];

	memset(&c, 0x5a, sizeof(c));
	assert_int_equal(load_text(&c, text), OC_ERR_CONFIG);
	snprintf(expect, sizeof(expect), "%s/t.conf:%s", dir, suffix);
	assert_string_equal(errbuf, expect);
	assert_zeroed(&c);
}

static void test_defaults(void **state)
{
	struct oc_conf c;

	(void)state;
	assert_int_equal(load_text(&c, ""), OC_OK);
	assert_string_equal(c.api_url, OC_DEFAULT_API_URL);
	assert_int_equal(c.cred_kind, OC_CRED_NONE);
	assert_null(c.credential);
	assert_int_equal(c.n_vaults, 0);
	assert_false(c.vaults_explicit);
	assert_int_equal(c.cache_ttl_s, 300);
	assert_int_equal(c.connect_timeout_s, 10);
	assert_int_equal(c.timeout_s, 30);
	assert_int_equal(c.retries, 2);
	assert_false(c.read_only);
	assert_int_equal(c.max_value_size, 5u * 1024 * 1024);
	assert_non_null(c.source);
	assert_null(oc_conf_key_for(&c, "v1"));
	oc_conf_free(&c);
	assert_zeroed(&c);
	oc_conf_free(&c);
	oc_conf_free(NULL);
}

static void test_full_file(void **state)
{
	static const char fpr_upper[] =
	    "630DCD2966C4336691125448BBB25B4FF412A49C732DB2C8ABC1B8581BD710DD";
	struct oc_conf c;
	char text[4096];
	const struct oc_conf_key *k;
	const char *cred;

	(void)state;
	cred = file("cred", "ocv_agentkey123\n");
	snprintf(text, sizeof(text),
		 "# oneclaw config\n"
		 "\n"
		 "api_url = http://127.0.0.1:8080/base\n"
		 "  ca_file=/etc/ssl/ca.pem   \n"
		 "ca_path = /etc/ssl/certs # trailing comment\n"
		 "credential_file = %s\n"
		 "agent_id = 3f1e0c4a-1111-2222-3333-444455556666\n"
		 "vaults = aaa, bbb,ccc\n"
		 "cmek_key_file = /keys/default.key\n"
		 "cache_ttl = 0\n"
		 "connect_timeout = 600\n"
		 "timeout = 1\n"
		 "retries = 10\n"
		 "read_only = yes\n"
		 "debug = conf,http\n"
		 "debug_file = /tmp/oc.log\n"
		 "max_value_size = 16777216\n"
		 "\r\n"
		 "[vault bbb]        # keys below apply to that vault only\n"
		 "cmek_key_uri = pkcs11:token=hsm;object=cmek\n"
		 "cmek_key_module = /usr/lib/softhsm/libsofthsm2.so\n"
		 "cmek_key_pin_file = /keys/pin\n"
		 "cmek_key_fingerprint = %s\n"
		 "[vault ddd]\n"
		 "cmek_key_env = DDD_KEY\n",
		 cred, fpr_upper);
	assert_int_equal(load_text(&c, text), OC_OK);
	assert_string_equal(c.api_url, "http://127.0.0.1:8080/base");
	assert_string_equal(c.ca_file, "/etc/ssl/ca.pem");
	assert_string_equal(c.ca_path, "/etc/ssl/certs");
	assert_int_equal(c.cred_kind, OC_CRED_AGENT_KEY);
	assert_string_equal(c.credential, "ocv_agentkey123");
	assert_string_equal(c.agent_id, "3f1e0c4a-1111-2222-3333-444455556666");
	assert_true(c.vaults_explicit);
	assert_int_equal(c.n_vaults, 4);
	assert_string_equal(c.vaults[0].id, "aaa");
	assert_string_equal(c.vaults[1].id, "bbb");
	assert_string_equal(c.vaults[2].id, "ccc");
	assert_string_equal(c.vaults[3].id, "ddd");
	assert_int_equal(c.cache_ttl_s, 0);
	assert_int_equal(c.connect_timeout_s, 600);
	assert_int_equal(c.timeout_s, 1);
	assert_int_equal(c.retries, 10);
	assert_true(c.read_only);
	assert_string_equal(c.debug, "conf,http");
	assert_string_equal(c.debug_file, "/tmp/oc.log");
	assert_int_equal(c.max_value_size, 16u * 1024 * 1024);

	k = oc_conf_key_for(&c, "aaa");
	assert_ptr_equal(k, &c.key);
	assert_string_equal(k->file, "/keys/default.key");
	k = oc_conf_key_for(&c, "bbb");
	assert_ptr_equal(k, &c.vaults[1].key);
	assert_null(k->file);
	assert_string_equal(k->uri, "pkcs11:token=hsm;object=cmek");
	assert_string_equal(k->module, "/usr/lib/softhsm/libsofthsm2.so");
	assert_string_equal(k->pin_file, "/keys/pin");
	assert_string_equal(
	    k->fingerprint,
	    "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd");
	k = oc_conf_key_for(&c, "ddd");
	assert_string_equal(k->env, "DDD_KEY");
	assert_ptr_equal(oc_conf_key_for(&c, "zzz"), &c.key);
	assert_ptr_equal(oc_conf_key_for(&c, NULL), &c.key);
	oc_conf_free(&c);
}

static void test_bad_lines(void **state)
{
	(void)state;
	expect_error("# c\n\njust words\n", "3: expected key = value");
	expect_error(" = value\n", "1: expected key = value");
	expect_error("foo = 1\n", "1: foo: unknown key");
	expect_error("API_URL = https://x\n", "1: API_URL: unknown key");
	expect_error("timeout = 0\n",
		     "1: timeout: must be a whole number from 1 to 600");
	expect_error("timeout = 601\n",
		     "1: timeout: must be a whole number from 1 to 600");
	expect_error("retries = abc\n",
		     "1: retries: must be a whole number from 0 to 10");
	expect_error("retries = 11\n",
		     "1: retries: must be a whole number from 0 to 10");
	expect_error("cache_ttl = -1\n",
		     "1: cache_ttl: must be a whole number from 0 to 86400");
	expect_error("cache_ttl = 86401\n",
		     "1: cache_ttl: must be a whole number from 0 to 86400");
	expect_error("cache_ttl = 1 0\n",
		     "1: cache_ttl: must be a whole number from 0 to 86400");
	expect_error("cache_ttl = 99999999999999999999999\n",
		     "1: cache_ttl: must be a whole number from 0 to 86400");
	expect_error("max_value_size = 16777217\n",
		     "1: max_value_size: must be a whole number from 1 to "
		     "16777216");
	expect_error("max_value_size = 0\n",
		     "1: max_value_size: must be a whole number from 1 to "
		     "16777216");
	expect_error("read_only = maybe\n",
		     "1: read_only: must be true or false");
	expect_error("timeout =\n", "1: timeout: empty value");
	expect_error("api_url = ftp://x\n",
		     "1: api_url: must be an https:// URL, or http:// to a "
		     "loopback address, without user info");
	expect_error("agent_id = a b\n", "1: agent_id: invalid id");
	expect_error("vaults = ok, bad/id\n", "1: vaults: invalid vault id");
	expect_error("cmek_key_env = 1BAD\n",
		     "1: cmek_key_env: invalid environment variable name");
	expect_error("cmek_key_uri = file:///x\n",
		     "1: cmek_key_uri: must be a pkcs11: URI");
	expect_error("cmek_key_fingerprint = abc\n",
		     "1: cmek_key_fingerprint: must be 64 hex characters");
	expect_error("[vault]\n", "1: malformed section (expected [vault ID])");
	expect_error("[vault x\n",
		     "1: malformed section (expected [vault ID])");
	expect_error("[global]\n",
		     "1: malformed section (expected [vault ID])");
	expect_error("[vault a/b]\n", "1: vault: invalid vault id");
	expect_error("[vault v1]\napi_url = https://x\n",
		     "2: api_url: not allowed in a [vault] section");
	expect_error("[vault v1]\nvaults = a\n",
		     "2: vaults: not allowed in a [vault] section");
	expect_error("ca_file = /a\x01z\n", "1: ca_file: invalid path");
}

/* The DPoP key's module or PIN file without its URI would leave tokens
 * unbound that were meant to be bound. */
/* A debug switch never stops loading: the log warns about what it does
 * not know (src/log.c). */
static void test_debug_never_refused(void **state)
{
	struct oc_conf c;

	(void)state;
	assert_int_equal(load_text(&c, "debug = conf,nope\n"), OC_OK);
	assert_string_equal(c.debug, "conf,nope");
	oc_conf_free(&c);
	assert_int_equal(load_text(&c, "debug = 1\n"), OC_OK);
	assert_string_equal(c.debug, "1");
	oc_conf_free(&c);
}

static void test_dpop_needs_uri(void **state)
{
	struct oc_conf c;

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	assert_int_equal(load_text(&c, "dpop_key_module = /usr/lib/x.so\n"),
			 OC_ERR_CONFIG);
	assert_string_equal(errbuf, "configuration: dpop_key_module: set "
				    "without dpop_key_uri "
				    "(ONECLAW_DPOP_KEY_URI)");
	assert_zeroed(&c);
	memset(&c, 0x5a, sizeof(c));
	assert_int_equal(load_text(&c, "dpop_key_pin_file = /etc/pin\n"),
			 OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "dpop_key_pin_file: set without"));
	assert_zeroed(&c);
	assert_int_equal(load_text(&c, "dpop_key_uri = pkcs11:token=t\n"
				       "dpop_key_module = /usr/lib/x.so\n"),
			 OC_OK);
	oc_conf_free(&c);
}

static void test_secret_values_never_echoed(void **state)
{
	(void)state;
	expect_error("api_url = https://user:SECRETPW@host/\n",
		     "1: api_url: must be an https:// URL, or http:// to a "
		     "loopback address, without user info");
	assert_null(strstr(errbuf, "SECRETPW"));
	expect_error("ocv_SECRETKEY\n", "1: expected key = value");
	assert_null(strstr(errbuf, "SECRETKEY"));
	expect_error("read_only = SECRETPW\n",
		     "1: read_only: must be true or false");
	assert_null(strstr(errbuf, "SECRETPW"));
}

static void test_line_and_file_bounds(void **state)
{
	struct oc_conf c;
	char *text;
	size_t n;

	(void)state;
	/* a line of exactly OC_CONF_MAX_LINE bytes is fine */
	text = malloc(OC_CONF_MAX_FILE + 2);
	memset(text, ' ', OC_CONF_MAX_LINE);
	memcpy(text, "# ", 2);
	text[OC_CONF_MAX_LINE] = '\n';
	text[OC_CONF_MAX_LINE + 1] = '\0';
	assert_int_equal(load_text(&c, text), OC_OK);
	oc_conf_free(&c);
	/* one more byte is not */
	memset(text, ' ', OC_CONF_MAX_LINE + 1);
	memcpy(text, "# ", 2);
	text[OC_CONF_MAX_LINE + 1] = '\0';
	expect_error(text, "1: line longer than 4096 bytes");
	/* the file cap */
	n = OC_CONF_MAX_FILE + 1;
	for (size_t i = 0; i < n; i++)
		text[i] = (i % 64 == 63) ? '\n' : '#';
	assert_int_equal(oc_conf_load_file(&c,
					   file_n("big.conf", text, n, 0600),
					   errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "big.conf: larger than 262144 bytes"));
	assert_zeroed(&c);
	free(text);
	/* a NUL byte */
	assert_int_equal(oc_conf_load_file(&c,
					   file_n("nul.conf", "a\0b", 3, 0600),
					   errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "nul.conf: contains a NUL byte"));
}

static void test_permissions(void **state)
{
	struct oc_conf c;
	char expect[600];
	const char *path;

	(void)state;
	path = file_n("loose.conf", "retries = 1\n", 12, 0664);
	assert_int_equal(oc_conf_load_file(&c, path, errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	snprintf(expect, sizeof(expect),
		 "%s is writable by group or others; refusing it (chmod go-w "
		 "%s)",
		 path, path);
	assert_string_equal(errbuf, expect);
	assert_zeroed(&c);
	path = file_n("loose2.conf", "retries = 1\n", 12, 0602);
	assert_int_equal(oc_conf_load_file(&c, path, errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "writable by group or others"));
	/* readable by all is fine: the config holds no secrets */
	path = file_n("ok.conf", "retries = 1\n", 12, 0644);
	assert_int_equal(oc_conf_load_file(&c, path, errbuf, sizeof(errbuf)),
			 OC_OK);
	assert_int_equal(c.retries, 1);
	oc_conf_free(&c);
	/* not a regular file */
	assert_int_equal(oc_conf_load_file(&c, dir, errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "not a regular file"));
	/* a missing named file */
	snprintf(expect, sizeof(expect), "%s/none.conf", dir);
	assert_int_equal(oc_conf_load_file(&c, expect, errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "none.conf: cannot open"));
}

/* Whose file, and who may write or read it (OpenSSH's rule). */
static void test_check_file(void **state)
{
	struct stat st;
	char buf[600];
	const char *p = "/etc/x";

	(void)state;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0644;
	st.st_uid = geteuid();
	assert_int_equal(oc_conf_check_file(p, &st, false, buf, sizeof(buf)),
			 OC_OK);
	st.st_uid = 0;
	assert_int_equal(oc_conf_check_file(p, &st, false, NULL, 0), OC_OK);
	/* another user's file: refused whatever its mode */
	st.st_uid = geteuid() + 1;
	st.st_mode = S_IFREG | 0600;
	assert_int_equal(oc_conf_check_file(p, &st, false, buf, sizeof(buf)),
			 OC_ERR_PERM);
	assert_non_null(strstr(buf, "/etc/x is owned by uid"));
	assert_non_null(strstr(buf, "(chown "));
	/* writable by group or others */
	st.st_uid = geteuid();
	st.st_mode = S_IFREG | 0620;
	assert_int_equal(oc_conf_check_file(p, &st, false, buf, sizeof(buf)),
			 OC_ERR_PERM);
	assert_string_equal(buf, "/etc/x is writable by group or others; "
				 "refusing it (chmod go-w /etc/x)");
	/* a secret: others may not read it, its group may */
	st.st_mode = S_IFREG | 0604;
	assert_int_equal(oc_conf_check_file(p, &st, false, buf, sizeof(buf)),
			 OC_OK);
	assert_int_equal(oc_conf_check_file(p, &st, true, buf, sizeof(buf)),
			 OC_ERR_PERM);
	assert_string_equal(buf, "/etc/x is readable by others; refusing it "
				 "(chmod o-r /etc/x)");
	st.st_mode = S_IFREG | 0640;
	assert_int_equal(oc_conf_check_file(p, &st, true, buf, sizeof(buf)),
			 OC_OK);
}

static void test_credential_file(void **state)
{
	struct oc_conf c;
	char text[600];

	(void)state;
	snprintf(text, sizeof(text), "credential_file = %s\n",
		 file("c1", "  1ck_userkey\n\n"));
	assert_int_equal(load_text(&c, text), OC_OK);
	assert_int_equal(c.cred_kind, OC_CRED_USER_KEY);
	assert_string_equal(c.credential, "1ck_userkey");
	oc_conf_free(&c);

	snprintf(text, sizeof(text), "credential_file = %s\n",
		 file("c2", "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"));
	assert_int_equal(load_text(&c, text), OC_OK);
	assert_int_equal(c.cred_kind, OC_CRED_TOKEN);
	oc_conf_free(&c);

	snprintf(text, sizeof(text), "credential_file = %s\n",
		 file("c3", "SECRETunknownkind"));
	assert_int_equal(load_text(&c, text), OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "c3: credential_file: not an ocv_"));
	assert_null(strstr(errbuf, "SECRET"));

	snprintf(text, sizeof(text), "credential_file = %s\n",
		 file("c4", "ocv_a ocv_b\n"));
	assert_int_equal(load_text(&c, text), OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "not a single credential"));

	snprintf(text, sizeof(text), "credential_file = %s\n",
		 file("c5", "\n"));
	assert_int_equal(load_text(&c, text), OC_ERR_CONFIG);

	snprintf(text, sizeof(text), "credential_file = %s/absent\n", dir);
	assert_int_equal(load_text(&c, text), OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "absent: cannot open"));

	/* others may not read it; a service's group may */
	snprintf(text, sizeof(text), "credential_file = %s\n",
		 file_n("c6", "1ck_userkey\n", 12, 0644));
	assert_int_equal(load_text(&c, text), OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "c6 is readable by others; refusing "
				       "it (chmod o-r "));
	snprintf(text, sizeof(text), "credential_file = %s\n",
		 file_n("c7", "1ck_userkey\n", 12, 0640));
	assert_int_equal(load_text(&c, text), OC_OK);
	assert_string_equal(c.credential, "1ck_userkey");
	oc_conf_free(&c);
}

static const char *set_conf(const char *text)
{
	const char *path = file("env.conf", text);

	setenv("ONECLAW_PKCS11_CONF", path, 1);
	return path;
}

static void test_env_precedence(void **state)
{
	struct oc_conf c;

	(void)state;
	set_conf("api_url = https://from-file.example\nretries = 3\n"
		 "cmek_key_file = /file.key\n");
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_string_equal(c.api_url, "https://from-file.example");
	assert_string_equal(c.key.file, "/file.key");
	assert_int_equal(c.cred_kind, OC_CRED_NONE);
	assert_non_null(strstr(c.source, "env.conf"));
	oc_conf_free(&c);

	setenv("ONECLAW_BASE_URL", "https://base.example", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_string_equal(c.api_url, "https://base.example");
	oc_conf_free(&c);

	setenv("ONECLAW_API_URL", "http://localhost:9999", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_string_equal(c.api_url, "http://localhost:9999");
	assert_int_equal(c.retries, 3);
	oc_conf_free(&c);

	/* credentials: ONECLAW_TOKEN > ONECLAW_AGENT_API_KEY > API_KEY */
	setenv("ONECLAW_API_KEY", "1ck_user", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_int_equal(c.cred_kind, OC_CRED_USER_KEY);
	assert_string_equal(c.credential, "1ck_user");
	oc_conf_free(&c);
	setenv("ONECLAW_AGENT_API_KEY", "ocv_agent", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_int_equal(c.cred_kind, OC_CRED_AGENT_KEY);
	assert_string_equal(c.credential, "ocv_agent");
	oc_conf_free(&c);
	setenv("ONECLAW_TOKEN", "opaque-token", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_int_equal(c.cred_kind, OC_CRED_TOKEN);
	assert_string_equal(c.credential, "opaque-token");
	oc_conf_free(&c);
	/* a credential file wins over every env credential */
	setenv("ONECLAW_CREDENTIAL_FILE", file("envcred", "1ck_fromfile\n"), 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_int_equal(c.cred_kind, OC_CRED_USER_KEY);
	assert_string_equal(c.credential, "1ck_fromfile");
	oc_conf_free(&c);
	unsetenv("ONECLAW_CREDENTIAL_FILE");
	unsetenv("ONECLAW_TOKEN");
	/* the kind follows the prefix when it tells one */
	setenv("ONECLAW_AGENT_API_KEY", "1ck_in_agent_var", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_int_equal(c.cred_kind, OC_CRED_USER_KEY);
	oc_conf_free(&c);
	setenv("ONECLAW_AGENT_API_KEY", "bad key", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_string_equal(errbuf,
			    "environment: ONECLAW_AGENT_API_KEY: not a "
			    "credential (printable characters, no blanks, at "
			    "most 8192)");
	assert_zeroed(&c);
}

static void test_env_keys_and_vaults(void **state)
{
	struct oc_conf c;
	const struct oc_conf_key *k;

	(void)state;
	set_conf("vaults = v1\n[vault v2]\ncmek_key_file = /v2.key\n");
	setenv("ONECLAW_VAULT_ID", "v3", 1);
	setenv("ONECLAW_CMEK_KEY", "AAAA", 1);
	setenv("ONECLAW_AGENT_ID", "agent-1", 1);
	setenv("ONECLAW_CA_FILE", "/ca.pem", 1);
	setenv("ONECLAW_PKCS11_DEBUG", "all", 1);
	setenv("ONECLAW_PKCS11_DEBUG_FILE", "/tmp/x.log", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_true(c.vaults_explicit);
	assert_int_equal(c.n_vaults, 3);
	assert_string_equal(c.vaults[2].id, "v3");
	k = oc_conf_key_for(&c, "v3");
	assert_ptr_equal(k, &c.key);
	assert_string_equal(k->env, "ONECLAW_CMEK_KEY");
	assert_null(k->file);
	assert_string_equal(oc_conf_key_for(&c, "v2")->file, "/v2.key");
	assert_string_equal(c.agent_id, "agent-1");
	assert_string_equal(c.ca_file, "/ca.pem");
	assert_string_equal(c.debug, "all");
	assert_string_equal(c.debug_file, "/tmp/x.log");
	oc_conf_free(&c);
	/* a key file in env wins over the key variable */
	setenv("ONECLAW_CMEK_KEY_FILE", "/env.key", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_string_equal(c.key.file, "/env.key");
	assert_null(c.key.env);
	oc_conf_free(&c);
	/* a vault id already listed is not repeated */
	setenv("ONECLAW_VAULT_ID", "v1", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_int_equal(c.n_vaults, 2);
	oc_conf_free(&c);
	setenv("ONECLAW_VAULT_ID", "bad id", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_string_equal(errbuf,
			    "environment: ONECLAW_VAULT_ID: invalid vault id");
	unsetenv("ONECLAW_VAULT_ID");
	/* A debug switch never stops loading (the log warns). */
	setenv("ONECLAW_PKCS11_DEBUG", "verbose", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_string_equal(c.debug, "verbose");
	oc_conf_free(&c);
	unsetenv("ONECLAW_PKCS11_DEBUG");
	setenv("ONECLAW_API_URL", "http://example.com", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "environment: ONECLAW_API_URL: must "
				       "be an https:// URL"));
}

static void test_conf_file_lookup(void **state)
{
	struct oc_conf c;
	char path[600];

	(void)state;
	/* a named file that is missing is an error */
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	setenv("ONECLAW_PKCS11_CONF", path, 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "missing.conf: cannot open"));
	/* a loose named file is refused */
	setenv("ONECLAW_PKCS11_CONF",
	       file_n("loose.conf", "retries = 1\n", 12, 0666), 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "is writable by group or others; "
				       "refusing it"));
}

static void test_reserved(void **state)
{
	struct oc_conf c;

	(void)state;
	set_conf("retries = 3\n");
	setenv("ONECLAW_API_URL", "https://env.example", 1);
	assert_int_equal(oc_conf_load(&c,
				      "api_url=http://[::1]:8443;read_only=true"
				      "  retries=5\tcache_ttl=60;;",
				      errbuf, sizeof(errbuf)),
			 OC_OK);
	assert_string_equal(c.api_url, "http://[::1]:8443");
	assert_true(c.read_only);
	assert_int_equal(c.retries, 5);
	assert_int_equal(c.cache_ttl_s, 60);
	oc_conf_free(&c);
	assert_int_equal(oc_conf_load(&c, "", errbuf, sizeof(errbuf)), OC_OK);
	assert_string_equal(c.api_url, "https://env.example");
	oc_conf_free(&c);
	assert_int_equal(oc_conf_load(&c, "vaults=a,b cmek_key_env=K", errbuf,
				      sizeof(errbuf)),
			 OC_OK);
	assert_int_equal(c.n_vaults, 2);
	assert_string_equal(c.key.env, "K");
	oc_conf_free(&c);

	assert_int_equal(oc_conf_load(&c, "retries=99", errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_string_equal(errbuf, "x-init-reserved: retries: must be a whole "
				    "number from 0 to 10");
	assert_zeroed(&c);
	assert_int_equal(oc_conf_load(&c, "bogus=1", errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_string_equal(errbuf, "x-init-reserved: bogus: unknown key");
	assert_int_equal(oc_conf_load(&c, "read_only", errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_string_equal(errbuf,
			    "x-init-reserved: expected key=value pairs");
	assert_int_equal(oc_conf_load(&c, "=x", errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
}

static void test_url_allowed(void **state)
{
	static const char *good[] = {
	    "https://api.1claw.xyz",
	    "https://api.1claw.xyz/",
	    "HTTPS://API.example.com:443/v1?x=1#f",
	    "https://[2001:db8::1]:8443/",
	    "https://10.0.0.1",
	    "http://127.0.0.1",
	    "http://127.1.2.3:8080/",
	    "http://localhost:1234",
	    "http://LOCALHOST",
	    "http://[::1]:9000/api",
	};
	static const char *bad[] = {
	    "",
	    "api.1claw.xyz",
	    "ftp://host",
	    "http://example.com",
	    "http://10.0.0.1",
	    "http://128.0.0.1",
	    "http://127.0.0.1.example.com",
	    "http://localhost.example.com",
	    "http://[::2]",
	    "http://[::ffff:127.0.0.1]",
	    "https://user:pw@host",
	    "http://user@127.0.0.1",
	    "https://",
	    "https://:443",
	    "https://host:0",
	    "https://host:65536",
	    "https://host:12a",
	    "https://host:",
	    "https://ho st",
	    "https://host/\x01",
	    "https://[::1",
	    "https://ho_st",
	};
	char longurl[3000];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!oc_conf_url_allowed(good[i]))
			fail_msg("refused: %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (oc_conf_url_allowed(bad[i]))
			fail_msg("accepted: %s", bad[i]);
	assert_false(oc_conf_url_allowed(NULL));
	memcpy(longurl, "https://h/", 10);
	memset(longurl + 10, 'a', sizeof(longurl) - 11);
	longurl[sizeof(longurl) - 1] = '\0';
	assert_false(oc_conf_url_allowed(longurl));
}

static void test_cred_kind(void **state)
{
	(void)state;
	assert_int_equal(oc_conf_cred_kind("ocv_abc"), OC_CRED_AGENT_KEY);
	assert_int_equal(oc_conf_cred_kind("1ck_abc"), OC_CRED_USER_KEY);
	assert_int_equal(oc_conf_cred_kind("a.b.c"), OC_CRED_TOKEN);
	assert_int_equal(oc_conf_cred_kind("a.b"), OC_CRED_NONE);
	assert_int_equal(oc_conf_cred_kind("a.b.c.d"), OC_CRED_NONE);
	assert_int_equal(oc_conf_cred_kind("plain"), OC_CRED_NONE);
	assert_int_equal(oc_conf_cred_kind(""), OC_CRED_NONE);
	assert_int_equal(oc_conf_cred_kind(NULL), OC_CRED_NONE);
}

static void test_later_wins_in_file(void **state)
{
	struct oc_conf c;

	(void)state;
	assert_int_equal(load_text(&c, "retries = 1\nretries = 4\n"
				       "cmek_key_env = A\ncmek_key_file = /f\n"
				       "vaults = a,b\nvaults = c\n"
				       "[vault a]\ncmek_key_file = /a\n"
				       "[vault a]\ncmek_key_uri = pkcs11:x\n"),
			 OC_OK);
	assert_int_equal(c.retries, 4);
	assert_null(c.key.env);
	assert_string_equal(c.key.file, "/f");
	assert_int_equal(c.n_vaults, 2);
	assert_string_equal(c.vaults[0].id, "c");
	assert_string_equal(c.vaults[1].id, "a");
	assert_null(c.vaults[1].key.file);
	assert_string_equal(c.vaults[1].key.uri, "pkcs11:x");
	oc_conf_free(&c);
}

static void test_too_many_vaults(void **state)
{
	char text[2048];
	size_t n = 0;
	int i;

	(void)state;
	n += (size_t)snprintf(text, sizeof(text), "vaults = ");
	for (i = 0; i <= OC_CONF_MAX_VAULTS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "v%d,", i);
	snprintf(text + n, sizeof(text) - n, "\n");
	expect_error(text, "1: vaults: more than 64 vaults");
}

static void test_args(void **state)
{
	struct oc_conf c;

	(void)state;
	assert_int_equal(oc_conf_load(NULL, NULL, errbuf, sizeof(errbuf)),
			 OC_ERR_ARGS);
	assert_int_equal(oc_conf_load_file(&c, NULL, errbuf, sizeof(errbuf)),
			 OC_ERR_ARGS);
	/* no error buffer at all is fine */
	assert_int_equal(
	    oc_conf_load_file(&c, file("x.conf", "nope\n"), NULL, 0),
	    OC_ERR_CONFIG);
	assert_null(oc_conf_key_for(NULL, "x"));
}

/* allow_unsealed: globally, or in a vault's section (which stays when a
 * later vaults list replaces the earlier one); off by default. */
static void test_allow_unsealed(void **state)
{
	const char *a = "11111111-1111-4111-8111-111111111111";
	const char *b = "22222222-2222-4222-8222-222222222222";
	struct oc_conf c;

	(void)state;
	assert_int_equal(load_text(&c, "cmek_key_env = K\n"), OC_OK);
	assert_false(oc_conf_allow_unsealed(&c, a));
	oc_conf_free(&c);
	assert_int_equal(load_text(&c, "[vault 11111111-1111-4111-8111-"
				       "111111111111]\nallow_unsealed = yes\n"),
			 OC_OK);
	assert_true(oc_conf_allow_unsealed(&c, a));
	assert_false(oc_conf_allow_unsealed(&c, b));
	oc_conf_free(&c);
	assert_int_equal(load_text(&c, "allow_unsealed = true\n"), OC_OK);
	assert_true(oc_conf_allow_unsealed(&c, b));
	oc_conf_free(&c);
	expect_error("allow_unsealed = maybe\n",
		     "1: allow_unsealed: must be true or false");
	assert_false(oc_conf_allow_unsealed(NULL, a));
}

/* cmek_values: sealed by default; opened globally or per vault, the
 * section's word winning; opened with no key for those vaults is refused
 * at load. */
static void test_cmek_values(void **state)
{
	const char *a = "11111111-1111-4111-8111-111111111111";
	const char *b = "22222222-2222-4222-8222-222222222222";
	struct oc_conf c;

	(void)state;
	assert_int_equal(load_text(&c, "cmek_key_env = K\n"), OC_OK);
	assert_false(oc_conf_cmek_opened(&c, a));
	oc_conf_free(&c);
	assert_int_equal(
	    load_text(&c, "cmek_key_env = K\ncmek_values = opened\n"
			  "[vault 22222222-2222-4222-8222-222222222222]\n"
			  "cmek_values = sealed\n"),
	    OC_OK);
	assert_true(oc_conf_cmek_opened(&c, a));
	assert_false(oc_conf_cmek_opened(&c, b));
	oc_conf_free(&c);
	/* a section's key is enough for that section */
	assert_int_equal(
	    load_text(&c, "vaults = 22222222-2222-4222-8222-222222222222\n"
			  "[vault 11111111-1111-4111-8111-111111111111]\n"
			  "cmek_key_env = K\ncmek_values = opened\n"),
	    OC_OK);
	assert_true(oc_conf_cmek_opened(&c, a));
	assert_false(oc_conf_cmek_opened(&c, b));
	oc_conf_free(&c);
	/* Listed vaults, each with its own key: opened globally is fine. */
	assert_int_equal(
	    load_text(&c, "cmek_values = opened\n"
			  "vaults = 11111111-1111-4111-8111-111111111111\n"
			  "[vault 11111111-1111-4111-8111-111111111111]\n"
			  "cmek_key_env = K\n"),
	    OC_OK);
	assert_true(oc_conf_cmek_opened(&c, a));
	oc_conf_free(&c);
	assert_int_equal(
	    load_text(&c, "cmek_values = opened\n"
			  "vaults = 11111111-1111-4111-8111-111111111111,"
			  "22222222-2222-4222-8222-222222222222\n"
			  "[vault 11111111-1111-4111-8111-111111111111]\n"
			  "cmek_key_env = K\n"),
	    OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "none for 22222222"));
	expect_error("cmek_values = open\n",
		     "1: cmek_values: must be sealed or opened");
	assert_int_equal(load_text(&c, "cmek_values = opened\n"),
			 OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "cmek_values: opened needs a CMEK key"));
	assert_non_null(strstr(errbuf, "none for (global)"));
	assert_int_equal(
	    load_text(&c, "cmek_key_env = K\n"
			  "[vault 11111111-1111-4111-8111-111111111111]\n"
			  "cmek_values = opened\n"
			  "[vault 22222222-2222-4222-8222-222222222222]\n"
			  "cmek_key_env = L\n"),
	    OC_OK);
	oc_conf_free(&c);
	assert_false(oc_conf_cmek_opened(NULL, a));
}

/* audit: off by default; syslog or an absolute path; the environment
 * wins over the file, "off" included. */
static void test_audit(void **state)
{
	struct oc_conf c;

	(void)state;
	assert_int_equal(load_text(&c, ""), OC_OK);
	assert_int_equal(c.audit, OC_CONF_AUDIT_OFF);
	assert_null(c.audit_file);
	oc_conf_free(&c);
	assert_int_equal(load_text(&c, "audit = syslog\n"), OC_OK);
	assert_int_equal(c.audit, OC_CONF_AUDIT_SYSLOG);
	assert_null(c.audit_file);
	oc_conf_free(&c);
	assert_int_equal(load_text(&c, "audit = /var/log/oc audit.log\n"),
			 OC_OK);
	assert_int_equal(c.audit, OC_CONF_AUDIT_FILE);
	assert_string_equal(c.audit_file, "/var/log/oc audit.log");
	oc_conf_free(&c);
	assert_int_equal(load_text(&c, "audit = /a.log\naudit = off\n"), OC_OK);
	assert_int_equal(c.audit, OC_CONF_AUDIT_OFF);
	assert_null(c.audit_file);
	oc_conf_free(&c);
	expect_error("audit = audit.log\n",
		     "1: audit: must be off, syslog or an absolute path");
	expect_error("audit = Syslog\n",
		     "1: audit: must be off, syslog or an absolute path");
	expect_error("audit = /a\001b\n",
		     "1: audit: must be off, syslog or an absolute path");

	setenv("ONECLAW_PKCS11_CONF", file("a.conf", "audit = /a.log\n"), 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_int_equal(c.audit, OC_CONF_AUDIT_FILE);
	assert_string_equal(c.audit_file, "/a.log");
	oc_conf_free(&c);
	setenv("ONECLAW_PKCS11_AUDIT", "syslog", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_int_equal(c.audit, OC_CONF_AUDIT_SYSLOG);
	assert_null(c.audit_file);
	oc_conf_free(&c);
	setenv("ONECLAW_PKCS11_AUDIT", "off", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_int_equal(c.audit, OC_CONF_AUDIT_OFF);
	oc_conf_free(&c);
	setenv("ONECLAW_PKCS11_AUDIT", "relative", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_string_equal(errbuf, "environment: ONECLAW_PKCS11_AUDIT: "
				    "must be off, syslog or an absolute path");
}

static int cleanup(void **state)
{
	char cmd[128];

	(void)state;
	clear_env(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A vault's name labels its token before any login: set in its section or
 * beside ONECLAW_VAULT_ID, never alone, never outside a section. */
static void test_vault_names(void **state)
{
	struct oc_conf c;

	(void)state;
	assert_int_equal(load_text(&c, "vaults = v1, v2\n"
				       "[vault v1]\n"
				       "name = My vault  # a comment\n"),
			 OC_OK);
	assert_string_equal(oc_conf_vault_name(&c, "v1"), "My vault");
	assert_null(oc_conf_vault_name(&c, "v2"));
	assert_null(oc_conf_vault_name(&c, "v3"));
	oc_conf_free(&c);
	/* A later vaults list (here x-init-reserved) keeps a named
	 * section. */
	set_conf("[vault v9]\nname = gämma\n");
	assert_int_equal(oc_conf_load(&c, "vaults=v1", errbuf, sizeof(errbuf)),
			 OC_OK);
	assert_int_equal(c.n_vaults, 2);
	assert_string_equal(oc_conf_vault_name(&c, "v9"), "gämma");
	oc_conf_free(&c);
	expect_error("name = x\n", "1: name: only in a [vault ID] section");
	expect_error("[vault v1]\nname = \xff\xfe\n",
		     "2: name: must be UTF-8 text without control characters, "
		     "at most 1020 bytes");

	set_conf("[vault v1]\nname = from the file\n");
	setenv("ONECLAW_VAULT_ID", "v1", 1);
	setenv("ONECLAW_VAULT_NAME", "from the environment", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)), OC_OK);
	assert_string_equal(oc_conf_vault_name(&c, "v1"),
			    "from the environment");
	oc_conf_free(&c);
	setenv("ONECLAW_VAULT_NAME", "tab\there", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "environment: ONECLAW_VAULT_NAME: must "
				       "be UTF-8 text"));
	{
		/* One byte over the bound: refused, naming the bound. */
		char name[OC_WIRE_NAME_MAX + 2];

		memset(name, 'n', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		setenv("ONECLAW_VAULT_NAME", name, 1);
		assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)),
				 OC_ERR_CONFIG);
		assert_non_null(strstr(errbuf, "ONECLAW_VAULT_NAME: must be "
					       "UTF-8 text without control "
					       "characters, at most 1020 "
					       "bytes"));
		name[sizeof(name) - 2] = '\0'; /* at the bound: accepted */
		setenv("ONECLAW_VAULT_NAME", name, 1);
		assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)),
				 OC_OK);
		assert_int_equal(strlen(oc_conf_vault_name(&c, "v1")),
				 OC_WIRE_NAME_MAX);
		oc_conf_free(&c);
	}
	unsetenv("ONECLAW_VAULT_ID");
	setenv("ONECLAW_VAULT_NAME", "alone", 1);
	assert_int_equal(oc_conf_load(&c, NULL, errbuf, sizeof(errbuf)),
			 OC_ERR_CONFIG);
	assert_string_equal(errbuf, "environment: ONECLAW_VAULT_NAME: set "
				    "without ONECLAW_VAULT_ID");
}

/* oc_conf_read_lines, as another reader (oneclaw-vaultd) uses it: each
 * setting and section in order, trimmed, comments gone; a callback's
 * refusal stops the reading and is returned. */
struct seen_lines {
	char text[512];
	int stop_at; /* the callback's call that refuses (1-based); 0: none */
	int calls;
};

static int collect_line(void *ctx, const struct oc_conf_line *l)
{
	struct seen_lines *sl = ctx;
	size_t n = strlen(sl->text);
	const char *where = strrchr(l->where, ':');

	sl->calls++;
	snprintf(sl->text + n, sizeof(sl->text) - n, "%s|%s|%s|%s;", where,
		 l->section ? l->section : "-", l->key ? l->key : "-",
		 l->value ? l->value : "-");
	return sl->calls == sl->stop_at ? OC_ERR_PERM : OC_OK;
}

static void test_read_lines(void **state)
{
	struct seen_lines sl;
	const char *path;

	(void)state;
	path =
	    file("lines.conf", "# head\n\n  a = 1  # c\n[s x]\nb_c=two words\n"
			       "d =\n");
	memset(&sl, 0, sizeof(sl));
	assert_int_equal(
	    oc_conf_read_lines(path, collect_line, &sl, errbuf, sizeof(errbuf)),
	    OC_OK);
	assert_string_equal(sl.text, ":3|-|a|1;:4|[s x]|-|-;:5|-|b_c|two words;"
				     ":6|-|d|;");
	memset(&sl, 0, sizeof(sl));
	sl.stop_at = 2;
	assert_int_equal(
	    oc_conf_read_lines(path, collect_line, &sl, errbuf, sizeof(errbuf)),
	    OC_ERR_PERM);
	assert_int_equal(sl.calls, 2);
	memset(&sl, 0, sizeof(sl));
	path = file("lines.conf", "a = 1\nno equals\nb = 2\n");
	assert_int_equal(
	    oc_conf_read_lines(path, collect_line, &sl, errbuf, sizeof(errbuf)),
	    OC_ERR_CONFIG);
	assert_int_equal(sl.calls, 1);
	assert_non_null(strstr(errbuf, "lines.conf:2: expected key = value"));
	memset(&sl, 0, sizeof(sl));
	assert_int_equal(oc_conf_read_lines("/nonexistent/x.conf", collect_line,
					    &sl, errbuf, sizeof(errbuf)),
			 OC_ERR_IO);
	assert_int_equal(sl.calls, 0);
	path = file_n("lines.conf", "a = 1\n", 6, 0660);
	assert_int_equal(
	    oc_conf_read_lines(path, collect_line, &sl, errbuf, sizeof(errbuf)),
	    OC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "writable by group or others"));
	assert_int_equal(sl.calls, 0);
}

#define T(f) cmocka_unit_test_setup(f, clear_env)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_defaults),
	    T(test_read_lines),
	    T(test_cmek_values),
	    T(test_full_file),
	    T(test_bad_lines),
	    T(test_debug_never_refused),
	    T(test_dpop_needs_uri),
	    T(test_secret_values_never_echoed),
	    T(test_line_and_file_bounds),
	    T(test_permissions),
	    T(test_check_file),
	    T(test_credential_file),
	    T(test_env_precedence),
	    T(test_env_keys_and_vaults),
	    T(test_vault_names),
	    T(test_conf_file_lookup),
	    T(test_reserved),
	    T(test_url_allowed),
	    T(test_cred_kind),
	    T(test_later_wins_in_file),
	    T(test_too_many_vaults),
	    T(test_allow_unsealed),
	    T(test_audit),
	    T(test_args),
	};

	if (mkdtemp(dir) == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, cleanup);
}
