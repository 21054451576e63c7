/* p11-test.c - the PKCS#11 front end over an in-memory vault (the backend
 * ops table of p11/backend.h): slots and tokens, find from the index, the
 * value cache, gone and failing secrets, CMEK decrypt/encrypt, AES-GCM,
 * unwrap + HMAC, writes (plain, sealed, refused), session keys, PIN mode,
 * logout, key pairs and certificates from key-typed secrets.  No network:
 * the vault is a table in this file. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "backend.h"
#include "ck.h"
#include "cmek.h"
#include "codec.h"
#include "asym.h"
#include "digest.h"
#include "audit.h"
#include "entry.h"
#include "err.h"
#include "init.h"
#include "secmem.h"
#include "session.h"
#include "slot.h"
#include "token.h"

#define V_PLAIN	 "11111111-1111-4111-8111-111111111111"
#define V_CMEK	 "22222222-2222-4222-8222-222222222222"
#define USER_KEY "1ck_unit-p11-SECRET-user-key-0001"
#define PIN_KEY	 "1ck_unit-p11-SECRET-pin-key-0002"
/* 1claw-api.md 5.7 vectors. */
#define KEY_V1_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define FPR_V1                                                                 \
	"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
#define FPR_V3                                                                 \
	"af9613760f72635fbdb44a5a0a63c39f12af30f950a6ee5c971be188e89c4051"
#define BLOB_V1_HEX                                                            \
	"01000102030405060708090a0b2a7bfb68a086b07ef96ce1eadd9c1d2ddee74a58"   \
	"f20c5f745173117c445ab5"
#define PT_V1 "my-secret-value"

/* --- the in-memory vault ------------------------------------------------- */

struct msecret {
	char path[64];
	uint8_t val[4096];
	size_t len;
	int64_t version;
	bool cmek;
	bool disabled;
	char type[32];
};

struct mvault {
	struct oc_vault v;
	struct msecret s[16];
	size_t n;
};

static struct {
	struct mvault vaults[2];
	int fail_get;
	int fail_vault_list; /* an OC_ERR_* for the next vault listings */
	long fail_status;
	unsigned n_vault_list, n_vault_get, n_secret_list, n_lookup, n_get,
	    n_put, n_delete, n_login, n_logout;
	/* Run once while a list is in flight (after its snapshot). */
	void (*during_list)(void);
	int fail_lookup;  /* an OC_ERR_* for the lists filtered by a path */
	bool lookup_none; /* those lists are empty (a prefix filter of
			     its own kind) */
	bool last_blob;
	uint8_t last_val[1024];
	size_t last_len;
	long status;
} m;

static uint8_t key_v1[32];

static struct mvault *mv(const char *id)
{
	for (size_t i = 0; i < 2; i++)
		if (strcmp(m.vaults[i].v.id, id) == 0)
			return &m.vaults[i];
	return NULL;
}

static struct msecret *ms(const char *vid, const char *path)
{
	struct mvault *v = mv(vid);

	for (size_t i = 0; v && i < v->n; i++)
		if (v->s[i].path[0] && strcmp(v->s[i].path, path) == 0)
			return &v->s[i];
	return NULL;
}

static void add(const char *vid, const char *path, const void *val, size_t len,
		bool cmek)
{
	struct mvault *v = mv(vid);
	struct msecret *s = &v->s[v->n++];

	assert_true(len <= sizeof(s->val));
	snprintf(s->path, sizeof(s->path), "%s", path);
	memcpy(s->val, val, len);
	s->len = len;
	s->version = 1;
	s->cmek = cmek;
	snprintf(s->type, sizeof(s->type), "%s", "password");
}

static void meta_of(const char *vid, const struct msecret *s,
		    struct oc_secret_meta *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "id-%.40s", s->path);
	out->path = strdup(s->path);
	out->metadata = strdup("{\"note\":\"x\"}");
	snprintf(out->type, sizeof(out->type), "%s", s->type);
	out->version = s->version;
	out->cmek_known = true;
	out->cmek_encrypted = s->cmek;
	out->is_disabled = s->disabled;
	if (s->cmek)
		snprintf(out->cmek_fingerprint, sizeof(out->cmek_fingerprint),
			 "%s", mv(vid)->v.cmek_fingerprint);
}

static int mk_vault_list(void *ctx, struct oc_vault **out, size_t *n)
{
	(void)ctx;
	m.n_vault_list++;
	if (m.fail_vault_list)
		return m.fail_vault_list;
	m.status = 200;
	*out = malloc(2 * sizeof(**out));
	(*out)[0] = m.vaults[0].v;
	(*out)[1] = m.vaults[1].v;
	*n = 2;
	return OC_OK;
}

static int mk_vault_get(void *ctx, const char *id, struct oc_vault *out)
{
	(void)ctx;
	m.n_vault_get++;
	m.status = mv(id) ? 200 : 404;
	if (!mv(id))
		return OC_ERR_NOT_FOUND;
	*out = mv(id)->v;
	return OC_OK;
}

static int mk_secret_list(void *ctx, const char *vid, const char *prefix,
			  const struct oc_api_meta_sink *sink)
{
	struct mvault *v = mv(vid);
	struct oc_secret_meta snap[16];
	size_t k = 0;
	int rc = OC_OK;

	(void)ctx;
	if (prefix)
		m.n_lookup++;
	else
		m.n_secret_list++;
	if (prefix && m.fail_lookup) {
		m.status = 400;
		return m.fail_lookup;
	}
	m.status = 200;
	for (size_t i = 0; i < v->n && !(prefix && m.lookup_none); i++)
		if (v->s[i].path[0] &&
		    (!prefix ||
		     strncmp(v->s[i].path, prefix, strlen(prefix)) == 0))
			meta_of(vid, &v->s[i], &snap[k++]);
	if (m.during_list) {
		void (*hook)(void) = m.during_list;

		m.during_list = NULL;
		hook();
	}
	/* As the API client does: newest paths first, in any order. */
	for (size_t i = k; i-- > 0;) {
		if (!rc)
			rc = sink->entry(sink->ctx, &snap[i]);
		oc_secret_meta_clear(&snap[i]);
	}
	return rc;
}

static int mk_secret_get(void *ctx, const char *vid, const char *path,
			 struct oc_secret *out)
{
	struct msecret *s = ms(vid, path);

	(void)ctx;
	m.n_get++;
	if (m.fail_get) {
		m.status = m.fail_status;
		return m.fail_get;
	}
	m.status = s ? 200 : 404;
	if (!s)
		return OC_ERR_NOT_FOUND;
	meta_of(vid, s, &out->meta);
	out->value = oc_secure_dup(s->val, s->len);
	out->value_len = s->len;
	return OC_OK;
}

static int mk_secret_put(void *ctx, const char *vid, const char *path,
			 const struct oc_secret_put *in,
			 struct oc_secret_meta *out)
{
	struct msecret *s = ms(vid, path);

	(void)ctx;
	m.n_put++;
	m.status = 201;
	m.last_blob = in->value_is_blob;
	m.last_len = in->value_len;
	assert_true(in->value_len <= sizeof(m.last_val));
	memcpy(m.last_val, in->value, in->value_len);
	if (!s) {
		add(vid, path, in->value, in->value_len, in->value_is_blob);
		s = ms(vid, path);
	} else {
		assert_true(in->value_len <= sizeof(s->val));
		memcpy(s->val, in->value, in->value_len);
		s->len = in->value_len;
		s->version++;
		s->cmek = in->value_is_blob;
	}
	meta_of(vid, s, out);
	return OC_OK;
}

static int mk_secret_delete(void *ctx, const char *vid, const char *path)
{
	struct msecret *s = ms(vid, path);

	(void)ctx;
	m.n_delete++;
	m.status = s ? 204 : 404;
	if (!s)
		return OC_ERR_NOT_FOUND;
	s->path[0] = '\0';
	return OC_OK;
}

static int mk_login(void *ctx, const char *key, size_t len)
{
	(void)ctx;
	m.n_login++;
	m.status = 200;
	if (len != strlen(PIN_KEY) || memcmp(key, PIN_KEY, len) != 0) {
		m.status = 401;
		return OC_ERR_UNAUTHORIZED;
	}
	return OC_OK;
}

static void mk_logout(void *ctx)
{
	(void)ctx;
	m.n_logout++;
}

static long mk_last_status(void *ctx)
{
	(void)ctx;
	return m.status;
}

static const char *mk_last_error(void *ctx)
{
	(void)ctx;
	return "";
}

static void mk_nothing(void *ctx)
{
	(void)ctx;
}

static const struct oc_backend_ops mock_ops = {
    .vault_list = mk_vault_list,
    .vault_get = mk_vault_get,
    .secret_list = mk_secret_list,
    .secret_get = mk_secret_get,
    .secret_put = mk_secret_put,
    .secret_delete = mk_secret_delete,
    .login = mk_login,
    .logout = mk_logout,
    .last_status = mk_last_status,
    .last_error = mk_last_error,
    .abandon = mk_nothing,
    .free = mk_nothing,
};

static int mock_factory(const struct oc_conf *c, struct oc_backend *out)
{
	(void)c;
	out->ops = &mock_ops;
	out->ctx = &m;
	return OC_OK;
}

static void mock_reset(void)
{
	uint8_t blob[64];
	size_t n;

	memset(&m, 0, sizeof(m));
	snprintf(m.vaults[0].v.id, sizeof(m.vaults[0].v.id), V_PLAIN);
	snprintf(m.vaults[0].v.name, sizeof(m.vaults[0].v.name), "plain");
	snprintf(m.vaults[1].v.id, sizeof(m.vaults[1].v.id), V_CMEK);
	snprintf(m.vaults[1].v.name, sizeof(m.vaults[1].v.name), "sealed");
	m.vaults[1].v.cmek_enabled = true;
	snprintf(m.vaults[1].v.cmek_fingerprint,
		 sizeof(m.vaults[1].v.cmek_fingerprint), FPR_V1);
	add(V_PLAIN, "app/one", "value-one", 9, false);
	add(V_PLAIN, "app/two", "value-two", 9, false);
	add(V_PLAIN, "bin", "\x00\x01\x02\xff", 4, false);
	assert_int_equal(oc_hex_decode(BLOB_V1_HEX, strlen(BLOB_V1_HEX), blob,
				       sizeof(blob), &n),
			 OC_OK);
	add(V_CMEK, "app/blob", blob, n, true);
}

/* --- fixtures ------------------------------------------------------------ */

static CK_FUNCTION_LIST *f;
static char conf_path[64];

static int set_conf(const char *text);
static int write_conf(const char *text, bool listed);

static int group_setup(void **state)
{
	int fd;
	size_t n;

	(void)state;
	f = oc_entry_function_list();
	oc_backend_set_factory(mock_factory);
	snprintf(conf_path, sizeof(conf_path), "/tmp/p11-test-XXXXXX");
	fd = mkstemp(conf_path);
	if (fd < 0)
		return -1;
	close(fd);
	if (set_conf("") != 0)
		return -1;
	setenv("ONECLAW_PKCS11_CONF", conf_path, 1);
	setenv("ONECLAW_API_URL", "http://127.0.0.1:9", 1);
	unsetenv("ONECLAW_VAULT_ID");
	unsetenv("ONECLAW_CMEK_KEY_FILE");
	unsetenv("ONECLAW_AGENT_API_KEY");
	unsetenv("ONECLAW_TOKEN");
	unsetenv("ONECLAW_CREDENTIAL_FILE");
	setenv("ONECLAW_CMEK_KEY", KEY_V1_B64, 1);
	return oc_base64_decode(KEY_V1_B64, strlen(KEY_V1_B64), key_v1,
				sizeof(key_v1), &n);
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(conf_path);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	mock_reset();
	setenv("ONECLAW_API_KEY", USER_KEY, 1);
	return f->C_Initialize(NULL) == CKR_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	f->C_Finalize(NULL);
	return 0;
}

static CK_SESSION_HANDLE open_rw(CK_SLOT_ID slot, bool rw)
{
	CK_SESSION_HANDLE s = 0;

	assert_int_equal(
	    f->C_OpenSession(slot,
			     CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0),
			     NULL, NULL, &s),
	    CKR_OK);
	return s;
}

static CK_ULONG find(CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n,
		     CK_OBJECT_HANDLE *out, CK_ULONG max)
{
	CK_ULONG got = 0;

	assert_int_equal(f->C_FindObjectsInit(s, t, n), CKR_OK);
	assert_int_equal(f->C_FindObjects(s, out, max, &got), CKR_OK);
	assert_int_equal(f->C_FindObjectsFinal(s), CKR_OK);
	return got;
}

static CK_OBJECT_HANDLE by_label(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
				 const char *label)
{
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, (void *)label, strlen(label)},
	};
	CK_OBJECT_HANDLE h = 0;

	assert_int_equal(find(s, t, 2, &h, 1), 1);
	return h;
}

static CK_ULONG value(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, void *buf,
		      CK_ULONG size)
{
	CK_ATTRIBUTE a = {CKA_VALUE, buf, size};

	assert_int_equal(f->C_GetAttributeValue(s, h, &a, 1), CKR_OK);
	return a.ulValueLen;
}

/* --- tests --------------------------------------------------------------- */

static void test_init(void **state)
{
	CK_C_INITIALIZE_ARGS a = {0};
	CK_INFO info;

	(void)state;
	assert_int_equal(f->C_Initialize(NULL),
			 CKR_CRYPTOKI_ALREADY_INITIALIZED);
	assert_int_equal(f->C_Finalize(&a), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_GetInfo(&info), CKR_OK);
	assert_int_equal(info.cryptokiVersion.major, 2);
	assert_int_equal(info.cryptokiVersion.minor, 40);
	assert_memory_equal(info.manufacturerID, "oneclaw-pkcs11  ", 16);
	/* No network in C_Initialize. */
	assert_int_equal(m.n_vault_list + m.n_secret_list + m.n_get, 0);
}

/* pReserved is read without being trusted (p11/init.c): unreadable or
 * unterminated memory is CKR_ARGUMENTS_BAD, never a crash, and a string
 * that runs from one page into the next is read whole. */
static void test_init_reserved(void **state)
{
	static const char kv[] = "cache_ttl=60";
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	CK_C_INITIALIZE_ARGS a = {0};
	char *map = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)state;
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + 2 * pg, pg, PROT_NONE), 0);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
	a.pReserved = (void *)1;
	assert_int_equal(f->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	a.pReserved = map + 2 * pg;
	assert_int_equal(f->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	memset(map + pg, ' ', pg);
	a.pReserved = map + 2 * pg - 5; /* blanks up to the unreadable page */
	assert_int_equal(f->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	/* Blanks to the end of page 0, "cache_ttl=60" at the start of 1. */
	memset(map, ' ', pg);
	memcpy(map + pg, kv, sizeof(kv));
	a.pReserved = map + pg - 3;
	assert_int_equal(f->C_Initialize(&a), CKR_OK);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
	map[pg + 2] = '\033';
	assert_int_equal(f->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	assert_int_equal(munmap(map, 3 * pg), 0);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
}

static void test_slots(void **state)
{
	CK_SLOT_ID ids[4];
	CK_ULONG n = 0;
	CK_TOKEN_INFO ti;

	(void)state;
	assert_int_equal(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
	assert_int_equal(n, 2);
	n = 1;
	assert_int_equal(f->C_GetSlotList(CK_TRUE, ids, &n),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 2);
	n = 4;
	assert_int_equal(f->C_GetSlotList(CK_FALSE, ids, &n), CKR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(f->C_GetTokenInfo(ids[0], &ti), CKR_OK);
	assert_memory_equal(ti.label, "plain                           ", 32);
	assert_memory_equal(ti.model, "1claw vault     ", 16);
	/* The id is longer than 16: 8 of it, 8 of its SHA-256. */
	assert_memory_equal(ti.serialNumber, "11111111bd7662a5", 16);
	assert_true(ti.flags & CKF_RNG);
	assert_true(ti.flags & CKF_TOKEN_INITIALIZED);
	assert_true(ti.flags & CKF_USER_PIN_INITIALIZED);
	assert_false(ti.flags & CKF_LOGIN_REQUIRED);
	assert_false(ti.flags & CKF_WRITE_PROTECTED);
	assert_int_equal(f->C_GetTokenInfo(7, &ti), CKR_SLOT_ID_INVALID);
	/* Everything from the configuration: nothing asked. */
	assert_int_equal(m.n_vault_list + m.n_vault_get, 0);
}

/* No vault configured: a stand-in token, its vaults listed by the first
 * C_OpenSession (a failure is that call's error), its label kept. */
static void test_standin(void **state)
{
	CK_SLOT_ID ids[4];
	CK_ULONG n = 4;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;

	(void)state;
	f->C_Finalize(NULL);
	assert_int_equal(write_conf("", true), 0);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	assert_int_equal(f->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(f->C_GetTokenInfo(ids[0], &ti), CKR_OK);
	assert_memory_equal(ti.label, "1claw ", 6);
	assert_memory_equal(ti.serialNumber, "1claw           ", 16);
	assert_int_equal(m.n_vault_list, 0);
	m.fail_vault_list = OC_ERR_NET;
	assert_int_equal(
	    f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
	    CKR_DEVICE_ERROR);
	m.fail_vault_list = 0;
	n = 4;
	assert_int_equal(f->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK);
	assert_int_equal(n, 1);
	s = open_rw(0, false);
	assert_int_equal(m.n_vault_list, 2);
	n = 4;
	assert_int_equal(f->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(f->C_GetTokenInfo(0, &ti), CKR_OK);
	assert_memory_equal(ti.label, "1claw ", 6);
	assert_int_equal(f->C_GetTokenInfo(1, &ti), CKR_OK);
	assert_memory_equal(ti.label, "sealed ", 7);
	/* Listed once. */
	assert_int_equal(f->C_CloseSession(s), CKR_OK);
	s = open_rw(1, false);
	assert_int_equal(f->C_CloseSession(s), CKR_OK);
	assert_int_equal(m.n_vault_list, 2);
	assert_int_equal(set_conf(""), 0);
}

static void test_find_read(void **state)
{
	CK_SESSION_HANDLE s = open_rw(0, false);
	CK_OBJECT_HANDLE h, all[8];
	char buf[32];
	CK_ATTRIBUTE none[1];

	(void)state;
	h = by_label(s, CKO_DATA, "app/one");
	assert_int_equal(value(s, h, buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "value-one", 9);
	/* Cached: no second GET; one list for every find. */
	assert_int_equal(value(s, h, buf, sizeof(buf)), 9);
	assert_int_equal(m.n_get, 1);
	h = by_label(s, CKO_DATA, "bin");
	assert_int_equal(value(s, h, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "\x00\x01\x02\xff", 4);
	/* Everything: 3 data objects and the CMEK key object. */
	assert_int_equal(find(s, none, 0, all, 8), 4);
	assert_int_equal(m.n_secret_list, 1);
	assert_int_equal(m.n_get, 2);
	/* One find at a time per session. */
	assert_int_equal(f->C_FindObjectsInit(s, none, 0), CKR_OK);
	assert_int_equal(f->C_FindObjectsInit(s, none, 0),
			 CKR_OPERATION_ACTIVE);
	assert_int_equal(f->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(f->C_FindObjectsFinal(s),
			 CKR_OPERATION_NOT_INITIALIZED);
}

/* A find by exact label on a cold token asks for that path alone (no
 * list, no value); the full list later keeps the object and its handle;
 * a path that is only a prefix of others, or none, finds nothing. */
static void test_find_lookup(void **state)
{
	CK_SESSION_HANDLE s = open_rw(0, true);
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_ATTRIBUTE app[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_LABEL, "app/", 4},
	};
	CK_ATTRIBUTE none[1], all_data[] = {{CKA_CLASS, &data, sizeof(data)}};
	CK_OBJECT_HANDLE h, again, all[8];
	char buf[32];
	CK_ULONG n, i, same = 0;

	(void)state;
	add(V_PLAIN, "app/o", "short", 5, false);
	h = by_label(s, CKO_DATA, "app/o");
	assert_int_equal(m.n_lookup, 1);
	assert_int_equal(m.n_secret_list + m.n_get, 0);
	assert_int_equal(value(s, h, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "short", 5);
	assert_int_equal(m.n_get, 1);
	/* Known now: no second request. */
	assert_int_equal(by_label(s, CKO_DATA, "app/o"), h);
	assert_int_equal(m.n_lookup, 1);
	/* A prefix of paths is not their path; no such path finds none. */
	assert_int_equal(find(s, app, 2, all, 8), 0);
	app[1].pValue = "no/such";
	app[1].ulValueLen = 7;
	assert_int_equal(find(s, app, 2, all, 8), 0);
	assert_int_equal(m.n_lookup, 3);
	assert_int_equal(m.n_secret_list, 0);
	/* The whole list: every secret once, the one found kept. */
	n = find(s, all_data, 1, all, 8);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++)
		same += all[i] == h;
	assert_int_equal(same, 1);
	assert_int_equal(m.n_secret_list, 1);
	assert_int_equal(find(s, none, 0, all, 8), 5);
	assert_int_equal(value(s, h, buf, sizeof(buf)), 5);
	assert_int_equal(m.n_get, 1);
	/* Listed: a label is answered from the list. */
	again = by_label(s, CKO_DATA, "app/two");
	assert_int_equal(m.n_lookup, 3);
	assert_true(again != h);
}

/* One deleted here is not found, without asking the list.  Deleted
 * elsewhere: a lookup without the path does not prove it gone (how the
 * service matches a prefix is its own), the value's 404 does. */
static void test_find_lookup_gone(void **state)
{
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_ATTRIBUTE one[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_LABEL, "app/one", 7},
	};
	CK_ATTRIBUTE cls = {CKA_CLASS, &data, sizeof(data)};
	char buf[16];
	CK_ATTRIBUTE val = {CKA_VALUE, buf, sizeof(buf)};
	CK_OBJECT_HANDLE h, got[4];
	CK_SESSION_HANDLE s;

	(void)state;
	/* No cache: every find asks again. */
	f->C_Finalize(NULL);
	assert_int_equal(set_conf("cache_ttl = 0\n"), 0);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	s = open_rw(0, true);
	h = by_label(s, CKO_DATA, "app/one");
	assert_int_equal(f->C_DestroyObject(s, h), CKR_OK);
	assert_int_equal(find(s, one, 2, got, 4), 0);
	assert_int_equal(m.n_secret_list, 0);
	/* Deleted elsewhere: the lookup misses, its value's GET finds it
	 * gone; then it is not found. */
	h = by_label(s, CKO_DATA, "app/two");
	assert_int_equal(by_label(s, CKO_DATA, "app/two"), h);
	assert_int_equal(m.n_lookup, 4);
	ms(V_PLAIN, "app/two")->path[0] = '\0';
	one[1].pValue = "app/two";
	assert_int_equal(find(s, one, 2, got, 4), 1);
	assert_int_equal(got[0], h);
	assert_int_equal(f->C_GetAttributeValue(s, h, &val, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(f->C_GetAttributeValue(s, h, &cls, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(find(s, one, 2, got, 4), 0);
	assert_int_equal(m.n_secret_list, 0);
	assert_int_equal(set_conf(""), 0);
}

/* Labels a lookup cannot send, or a server refuses as a filter: not
 * UTF-8 is no secret's path (no request); a 400 to the filter is
 * answered from the whole list. */
static void test_find_lookup_refused(void **state)
{
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_ATTRIBUTE odd[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_LABEL, "app/\xc3", 5},
	};
	CK_OBJECT_HANDLE got[4];
	CK_SESSION_HANDLE s = open_rw(0, false);

	(void)state;
	assert_int_equal(find(s, odd, 2, got, 4), 0);
	assert_int_equal(m.n_lookup + m.n_secret_list, 0);
	m.fail_lookup = OC_ERR_BAD_REQUEST;
	by_label(s, CKO_DATA, "app/one");
	assert_int_equal(m.n_lookup, 1);
	assert_int_equal(m.n_secret_list, 1);
	odd[1].pValue = "no//such";
	odd[1].ulValueLen = 8;
	assert_int_equal(find(s, odd, 2, got, 4), 0);
	assert_int_equal(m.n_secret_list, 1); /* the list is fresh */
}

/* A prefix filter that answers none of the paths (the service's own
 * kind of prefix): what a full list showed stays found; a path never
 * listed stays unknown. */
static void test_find_lookup_misses(void **state)
{
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_ATTRIBUTE all_data[] = {{CKA_CLASS, &data, sizeof(data)}};
	CK_ATTRIBUTE none[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_LABEL, "app/none", 8},
	};
	CK_OBJECT_HANDLE h, got[8];
	CK_SESSION_HANDLE s;
	char buf[16];

	(void)state;
	f->C_Finalize(NULL);
	assert_int_equal(set_conf("cache_ttl = 0\n"), 0);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	s = open_rw(0, false);
	assert_int_equal(find(s, all_data, 1, got, 8), 3);
	m.lookup_none = true;
	h = by_label(s, CKO_DATA, "app/one");
	assert_int_equal(by_label(s, CKO_DATA, "app/one"), h);
	assert_int_equal(m.n_lookup, 2);
	assert_int_equal(value(s, h, buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "value-one", 9);
	assert_int_equal(find(s, none, 2, got, 8), 0);
	assert_int_equal(set_conf(""), 0);
}

/* The same secret twice in an answer, or disabled: a lookup keeps what
 * a list keeps (the higher version; no disabled entry). */
static void test_find_lookup_duplicates(void **state)
{
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_ATTRIBUTE all_data[] = {{CKA_CLASS, &data, sizeof(data)}};
	CK_ATTRIBUTE dis[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_LABEL, "dis/x", 5},
	};
	CK_ULONG version = 0;
	CK_ATTRIBUTE va = {CKA_ONECLAW_VERSION, &version, sizeof(version)};
	CK_OBJECT_HANDLE h, got[8];
	CK_SESSION_HANDLE s;

	(void)state;
	add(V_PLAIN, "dup/x", "new", 3, false);
	ms(V_PLAIN, "dup/x")->version = 2;
	add(V_PLAIN, "dup/x", "old", 3, false); /* answered first */
	add(V_PLAIN, "dup/y", "on", 2, false);
	add(V_PLAIN, "dup/y", "off", 3, false);
	mv(V_PLAIN)->s[mv(V_PLAIN)->n - 1].disabled = true;
	add(V_PLAIN, "dis/x", "off", 3, false);
	ms(V_PLAIN, "dis/x")->disabled = true;
	for (int pass = 0; pass < 2; pass++) {
		/* By lookups, then from a full list. */
		f->C_Finalize(NULL);
		assert_int_equal(f->C_Initialize(NULL), CKR_OK);
		s = open_rw(0, false);
		if (pass)
			assert_int_equal(find(s, all_data, 1, got, 8), 5);
		h = by_label(s, CKO_DATA, "dup/x");
		assert_int_equal(f->C_GetAttributeValue(s, h, &va, 1), CKR_OK);
		assert_int_equal(version, 2);
		by_label(s, CKO_DATA, "dup/y");
		assert_int_equal(find(s, dis, 2, got, 8), 0);
		assert_int_equal(m.n_secret_list, (unsigned)pass);
	}
	/* Found, then disabled: a lookup that sees it so drops it. */
	f->C_Finalize(NULL);
	assert_int_equal(set_conf("cache_ttl = 0\n"), 0);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	s = open_rw(0, false);
	by_label(s, CKO_DATA, "app/one");
	ms(V_PLAIN, "app/one")->disabled = true;
	dis[1].pValue = "app/one";
	dis[1].ulValueLen = 7;
	assert_int_equal(find(s, dis, 2, got, 8), 0);
	assert_int_equal(set_conf(""), 0);
}

static void test_find_templates(void **state)
{
	CK_SESSION_HANDLE s = open_rw(0, false);
	CK_OBJECT_CLASS key = CKO_SECRET_KEY, data = CKO_DATA;
	CK_ULONG ver = 1;
	CK_BBOOL yes = CK_TRUE;
	CK_OBJECT_HANDLE h[8];
	CK_ATTRIBUTE by_value[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_VALUE, "value-two", 9},
	};
	CK_ATTRIBUTE by_type[] = {
	    {CKA_ONECLAW_SECRET_TYPE, "password", 8},
	    {CKA_ONECLAW_VERSION, &ver, sizeof(ver)},
	};
	CK_ATTRIBUTE keys[] = {{CKA_CLASS, &key, sizeof(key)}};
	CK_ATTRIBUTE tok[] = {
	    {CKA_TOKEN, &yes, sizeof(yes)},
	    {CKA_APPLICATION, "1claw", 5},
	};
	CK_ATTRIBUTE nothing[] = {{CKA_LABEL, "no/such", 7}};
	uint8_t fpr[32];
	CK_ATTRIBUTE id = {CKA_ID, fpr, sizeof(fpr)};
	size_t n;

	(void)state;
	/* CKA_VALUE fetches the candidates' values to compare. */
	assert_int_equal(find(s, by_value, 2, h, 8), 1);
	assert_int_equal(m.n_get, 3);
	assert_int_equal(find(s, by_type, 2, h, 8), 3);
	assert_int_equal(find(s, keys, 1, h, 8), 1);
	assert_int_equal(f->C_GetAttributeValue(s, h[0], &id, 1), CKR_OK);
	assert_int_equal(oc_hex_decode(FPR_V1, 64, fpr + 0, 0, &n),
			 OC_ERR_RANGE);
	{
		uint8_t want[32];

		assert_int_equal(oc_hex_decode(FPR_V1, 64, want, 32, &n),
				 OC_OK);
		assert_memory_equal(fpr, want, 32);
	}
	assert_int_equal(find(s, tok, 2, h, 8), 3);
	assert_int_equal(find(s, nothing, 1, h, 8), 0);
	assert_int_equal(m.n_secret_list, 1);
}

static void test_attributes(void **state)
{
	CK_SESSION_HANDLE s = open_rw(0, false);
	CK_OBJECT_HANDLE d = by_label(s, CKO_DATA, "app/two");
	CK_OBJECT_HANDLE k = by_label(s, CKO_SECRET_KEY, "cmek");
	CK_ULONG ver = 0, vlen = 0;
	CK_BBOOL sens = 0, ext = 1, cmek = 1, priv = 1;
	char type[16], sid[32], meta[32];
	CK_ATTRIBUTE da[] = {
	    {CKA_ONECLAW_VERSION, &ver, sizeof(ver)},
	    {CKA_ONECLAW_SECRET_TYPE, type, sizeof(type)},
	    {CKA_ONECLAW_SECRET_ID, sid, sizeof(sid)},
	    {CKA_ONECLAW_CMEK_ENCRYPTED, &cmek, 1},
	    {CKA_ONECLAW_METADATA, meta, sizeof(meta)},
	    {CKA_PRIVATE, &priv, 1},
	};
	CK_ATTRIBUTE ka[] = {
	    {CKA_SENSITIVE, &sens, 1},
	    {CKA_EXTRACTABLE, &ext, 1},
	    {CKA_VALUE_LEN, &vlen, sizeof(vlen)},
	    {CKA_VALUE, type, sizeof(type)},
	};

	(void)state;
	assert_int_equal(f->C_GetAttributeValue(s, d, da, 6), CKR_OK);
	assert_int_equal(ver, 1);
	assert_int_equal(da[1].ulValueLen, 8);
	assert_memory_equal(type, "password", 8);
	assert_memory_equal(sid, "id-app/two", 10);
	assert_int_equal(cmek, CK_FALSE);
	assert_int_equal(priv, CK_FALSE);
	assert_memory_equal(meta, "{\"note\":\"x\"}", 12);
	/* Reading metadata needs no GET. */
	assert_int_equal(m.n_get, 0);
	assert_int_equal(f->C_GetAttributeValue(s, k, ka, 4),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(sens, CK_TRUE);
	assert_int_equal(ext, CK_FALSE);
	assert_int_equal(vlen, 32);
	assert_int_equal(ka[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(f->C_GetAttributeValue(s, 0x7777777, ka, 1),
			 CKR_OBJECT_HANDLE_INVALID);
}

static void test_gone_and_failing(void **state)
{
	CK_SESSION_HANDLE s = open_rw(0, false);
	CK_OBJECT_HANDLE h = by_label(s, CKO_DATA, "app/two");
	CK_OBJECT_HANDLE h1 = by_label(s, CKO_DATA, "app/one");
	CK_ATTRIBUTE a = {CKA_VALUE, NULL, 0};
	CK_SESSION_INFO si;
	CK_ULONG size;

	(void)state;
	/* Deleted on the server after the list. */
	ms(V_PLAIN, "app/two")->path[0] = '\0';
	assert_int_equal(f->C_GetAttributeValue(s, h, &a, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(f->C_GetAttributeValue(s, h, &a, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	/* The network fails: a device error, the status kept. */
	m.fail_get = OC_ERR_SERVER;
	m.fail_status = 503;
	assert_int_equal(f->C_GetObjectSize(s, h1, &size), CKR_DEVICE_ERROR);
	assert_int_equal(f->C_GetSessionInfo(s, &si), CKR_OK);
	assert_int_equal(si.ulDeviceError, 503);
	assert_int_equal(si.state, CKS_RO_PUBLIC_SESSION);
	m.fail_get = 0;
	assert_int_equal(f->C_GetObjectSize(s, h1, &size), CKR_OK);
	assert_int_equal(size, 9);
}

static CK_OBJECT_HANDLE cmek_key(CK_SESSION_HANDLE s)
{
	return by_label(s, CKO_SECRET_KEY, "cmek");
}

static void test_decrypt(void **state)
{
	CK_SESSION_HANDLE s = open_rw(1, false);
	CK_MECHANISM mech = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_OBJECT_HANDLE k = cmek_key(s), d = by_label(s, CKO_DATA, "app/blob");
	uint8_t blob[64], out[64], sealed[64];
	CK_ULONG n = value(s, d, blob, sizeof(blob)), len, part;

	(void)state;
	assert_int_equal(n, 44);
	assert_int_equal(f->C_Decrypt(s, blob, n, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OPERATION_ACTIVE);
	/* The length, then a short buffer: the operation lives on. */
	assert_int_equal(f->C_Decrypt(s, blob, n, NULL, &len), CKR_OK);
	assert_int_equal(len, 15);
	len = 3;
	assert_int_equal(f->C_Decrypt(s, blob, n, out, &len),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(len, 15);
	len = sizeof(out);
	assert_int_equal(f->C_Decrypt(s, blob, n, out, &len), CKR_OK);
	assert_int_equal(len, 15);
	assert_memory_equal(out, PT_V1, 15);
	/* Finished. */
	assert_int_equal(f->C_Decrypt(s, blob, n, out, &len),
			 CKR_OPERATION_NOT_INITIALIZED);

	/* Tampered, too short, wrong version: no plaintext. */
	blob[n - 1] ^= 1;
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	memset(out, 0, sizeof(out));
	len = sizeof(out);
	assert_int_equal(f->C_Decrypt(s, blob, n, out, &len),
			 CKR_ENCRYPTED_DATA_INVALID);
	assert_null(memmem(out, sizeof(out), "my-secret", 9));
	blob[n - 1] ^= 1;
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	assert_int_equal(f->C_Decrypt(s, blob, 28, out, &len),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
	blob[0] = 2;
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	len = sizeof(out);
	assert_int_equal(f->C_Decrypt(s, blob, n, out, &len),
			 CKR_ENCRYPTED_DATA_INVALID);
	blob[0] = 1;

	/* Multi-part: nothing before the tag is checked at Final. */
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	part = sizeof(out);
	assert_int_equal(f->C_DecryptUpdate(s, blob, 20, out, &part), CKR_OK);
	assert_int_equal(part, 0);
	part = sizeof(out);
	assert_int_equal(f->C_DecryptUpdate(s, blob + 20, n - 20, out, &part),
			 CKR_OK);
	assert_int_equal(part, 0);
	assert_int_equal(f->C_Decrypt(s, blob, n, out, &len),
			 CKR_OPERATION_ACTIVE);
	len = 1;
	assert_int_equal(f->C_DecryptFinal(s, out, &len), CKR_BUFFER_TOO_SMALL);
	len = sizeof(out);
	assert_int_equal(f->C_DecryptFinal(s, out, &len), CKR_OK);
	assert_int_equal(len, 15);
	assert_memory_equal(out, PT_V1, 15);

	/* Encrypt: a fresh blob that opens again. */
	assert_int_equal(f->C_EncryptInit(s, &mech, k), CKR_OK);
	assert_int_equal(f->C_Encrypt(s, (CK_BYTE *)"abc", 3, NULL, &len),
			 CKR_OK);
	assert_int_equal(len, 32);
	assert_int_equal(f->C_Encrypt(s, (CK_BYTE *)"abc", 3, sealed, &len),
			 CKR_OK);
	assert_int_equal(sealed[0], 1);
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	len = sizeof(out);
	assert_int_equal(f->C_Decrypt(s, sealed, 32, out, &len), CKR_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "abc", 3);
	/* A parameter where none belongs. */
	mech.pParameter = out;
	mech.ulParameterLen = 4;
	assert_int_equal(f->C_DecryptInit(s, &mech, k),
			 CKR_MECHANISM_PARAM_INVALID);
}

/* CKM_AES_GCM encryption under the caller's IV would make the key a
 * keystream oracle: the module generates every encryption IV and writes it
 * to pIv; decryption takes the caller's. */
static void test_gcm(void **state)
{
	CK_SESSION_HANDLE s = open_rw(1, false);
	CK_OBJECT_HANDLE k = cmek_key(s);
	const uint8_t mine[12] = {9, 8, 7};
	uint8_t iv[16], iv2[12], aad[5] = "head", ct[64], want[64], out[64];
	CK_GCM_PARAMS gp = {iv, 12, 96, aad, sizeof(aad), 128};
	CK_MECHANISM mech = {CKM_AES_GCM, &gp, sizeof(gp)};
	CK_ULONG len = sizeof(ct), part;

	(void)state;
	memcpy(iv, mine, sizeof(mine));
	/* Parameters checked; a refusal leaves pIv as it was. */
	gp.ulTagBits = 200;
	assert_int_equal(f->C_EncryptInit(s, &mech, k),
			 CKR_MECHANISM_PARAM_INVALID);
	gp.ulTagBits = 36;
	assert_int_equal(f->C_EncryptInit(s, &mech, k),
			 CKR_MECHANISM_PARAM_INVALID);
	gp.ulTagBits = 128;
	gp.ulIvLen = 0;
	assert_int_equal(f->C_EncryptInit(s, &mech, k),
			 CKR_MECHANISM_PARAM_INVALID);
	gp.ulIvLen = 12;
	mech.ulParameterLen = 3;
	assert_int_equal(f->C_EncryptInit(s, &mech, k),
			 CKR_MECHANISM_PARAM_INVALID);
	mech.ulParameterLen = sizeof(gp);
	/* Encryption: no NULL pIv, no length but 12, ulIvBits 0 or 96. */
	gp.pIv = NULL;
	assert_int_equal(f->C_EncryptInit(s, &mech, k),
			 CKR_MECHANISM_PARAM_INVALID);
	gp.pIv = iv;
	gp.ulIvLen = 16;
	gp.ulIvBits = 128;
	assert_int_equal(f->C_EncryptInit(s, &mech, k),
			 CKR_MECHANISM_PARAM_INVALID);
	gp.ulIvLen = 8;
	gp.ulIvBits = 64;
	assert_int_equal(f->C_EncryptInit(s, &mech, k),
			 CKR_MECHANISM_PARAM_INVALID);
	gp.ulIvLen = 12;
	gp.ulIvBits = 128;
	assert_int_equal(f->C_EncryptInit(s, &mech, k),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_memory_equal(iv, mine, sizeof(mine));

	/* The buffer is overwritten with the IV used: same bytes as plain
	 * AES-256-GCM under it; the length query keeps the same IV. */
	gp.ulIvBits = 0;
	assert_int_equal(f->C_EncryptInit(s, &mech, k), CKR_OK);
	assert_memory_not_equal(iv, mine, sizeof(mine));
	assert_int_equal(f->C_Encrypt(s, (CK_BYTE *)"gcm text", 8, NULL, &len),
			 CKR_OK);
	assert_int_equal(f->C_Encrypt(s, (CK_BYTE *)"gcm text", 8, ct, &len),
			 CKR_OK);
	assert_int_equal(len, 24);
	assert_int_equal(oc_aes_gcm_seal(key_v1, iv, 12, aad, 5,
					 (const uint8_t *)"gcm text", 8, want,
					 want + 8, 16),
			 OC_OK);
	assert_memory_equal(ct, want, 24);
	/* Decryption takes the caller's IV as given. */
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	len = sizeof(out);
	assert_int_equal(f->C_Decrypt(s, ct, 24, out, &len), CKR_OK);
	assert_int_equal(len, 8);
	assert_memory_equal(out, "gcm text", 8);
	/* A second encryption: another IV. */
	memcpy(iv2, iv, sizeof(iv2));
	gp.ulIvBits = 96;
	assert_int_equal(f->C_EncryptInit(s, &mech, k), CKR_OK);
	assert_memory_not_equal(iv, iv2, sizeof(iv2));
	len = sizeof(ct);
	assert_int_equal(f->C_Encrypt(s, (CK_BYTE *)"gcm text", 8, ct, &len),
			 CKR_OK);
	assert_memory_not_equal(ct, want, 24);

	/* Multi-part: the IV is known at C_EncryptInit. */
	assert_int_equal(f->C_EncryptInit(s, &mech, k), CKR_OK);
	part = sizeof(ct);
	assert_int_equal(f->C_EncryptUpdate(s, (CK_BYTE *)"gcm ", 4, ct, &part),
			 CKR_OK);
	assert_int_equal(part, 0);
	part = sizeof(ct);
	assert_int_equal(f->C_EncryptUpdate(s, (CK_BYTE *)"text", 4, ct, &part),
			 CKR_OK);
	len = sizeof(ct);
	assert_int_equal(f->C_EncryptFinal(s, ct, &len), CKR_OK);
	assert_int_equal(len, 24);
	assert_int_equal(oc_aes_gcm_seal(key_v1, iv, 12, aad, 5,
					 (const uint8_t *)"gcm text", 8, want,
					 want + 8, 16),
			 OC_OK);
	assert_memory_equal(ct, want, 24);

	/* Decryption still takes any IV length: a 16-byte one. */
	memcpy(iv, mine, sizeof(mine));
	memset(iv + 12, 0x3c, 4);
	assert_int_equal(oc_aes_gcm_seal(key_v1, iv, 16, aad, 5,
					 (const uint8_t *)"gcm text", 8, want,
					 want + 8, 16),
			 OC_OK);
	gp.ulIvLen = 16;
	gp.ulIvBits = 128;
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	assert_memory_equal(iv, mine, sizeof(mine)); /* not written */
	len = sizeof(out);
	assert_int_equal(f->C_Decrypt(s, want, 24, out, &len), CKR_OK);
	assert_memory_equal(out, "gcm text", 8);
	gp.ulIvLen = 12;
	gp.ulIvBits = 96;

	/* Other AAD: the tag fails. */
	memcpy(iv, mine, sizeof(mine));
	assert_int_equal(oc_aes_gcm_seal(key_v1, iv, 12, aad, 5,
					 (const uint8_t *)"gcm text", 8, ct,
					 ct + 8, 16),
			 OC_OK);
	aad[0] = 'X';
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	len = sizeof(out);
	assert_int_equal(f->C_Decrypt(s, ct, 24, out, &len),
			 CKR_ENCRYPTED_DATA_INVALID);
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	len = sizeof(out);
	assert_int_equal(f->C_Decrypt(s, ct, 15, out, &len),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
}

/* The same rule on a key the application brings, and with the layout of
 * CK_GCM_PARAMS that has no ulIvBits. */
static void test_gcm_session_key(void **state)
{
	CK_SESSION_HANDLE s = open_rw(1, false);
	CK_OBJECT_CLASS sk = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_BBOOL yes = CK_TRUE;
	const uint8_t mine[12] = {1};
	uint8_t raw[32], iv[12] = {1}, ct[64], want[64], out[64];
	CK_ATTRIBUTE kt[] = {
	    {CKA_CLASS, &sk, sizeof(sk)},     {CKA_KEY_TYPE, &aes, sizeof(aes)},
	    {CKA_VALUE, raw, sizeof(raw)},    {CKA_ENCRYPT, &yes, sizeof(yes)},
	    {CKA_DECRYPT, &yes, sizeof(yes)},
	};
	struct {
		CK_BYTE_PTR pIv;
		CK_ULONG ulIvLen;
		CK_BYTE_PTR pAAD;
		CK_ULONG ulAADLen;
		CK_ULONG ulTagBits;
	} v1 = {iv, sizeof(iv), NULL, 0, 128};
	CK_MECHANISM mech = {CKM_AES_GCM, &v1, sizeof(v1)};
	CK_ULONG len = sizeof(ct);
	CK_OBJECT_HANDLE k;

	(void)state;
	memset(raw, 0x42, sizeof(raw));
	assert_int_equal(f->C_CreateObject(s, kt, 5, &k), CKR_OK);
	v1.ulIvLen = 16;
	assert_int_equal(f->C_EncryptInit(s, &mech, k),
			 CKR_MECHANISM_PARAM_INVALID);
	v1.ulIvLen = 12;
	assert_int_equal(f->C_EncryptInit(s, &mech, k), CKR_OK);
	assert_memory_not_equal(iv, mine, sizeof(mine));
	assert_int_equal(f->C_Encrypt(s, (CK_BYTE *)"brought", 7, ct, &len),
			 CKR_OK);
	assert_int_equal(oc_aes_gcm_seal(raw, iv, 12, NULL, 0,
					 (const uint8_t *)"brought", 7, want,
					 want + 7, 16),
			 OC_OK);
	assert_memory_equal(ct, want, 23);
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	len = sizeof(out);
	assert_int_equal(f->C_Decrypt(s, ct, 23, out, &len), CKR_OK);
	assert_memory_equal(out, "brought", 7);
	assert_int_equal(f->C_DestroyObject(s, k), CKR_OK);
}

/* A session AES key of 32 bytes all `fill`. */
static CK_OBJECT_HANDLE make_aes_key(CK_SESSION_HANDLE s, uint8_t fill)
{
	CK_OBJECT_CLASS sk = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_BBOOL yes = CK_TRUE;
	uint8_t raw[32];
	CK_ATTRIBUTE kt[] = {
	    {CKA_CLASS, &sk, sizeof(sk)},     {CKA_KEY_TYPE, &aes, sizeof(aes)},
	    {CKA_VALUE, raw, sizeof(raw)},    {CKA_ENCRYPT, &yes, sizeof(yes)},
	    {CKA_DECRYPT, &yes, sizeof(yes)},
	};
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;

	memset(raw, fill, sizeof(raw));
	assert_int_equal(f->C_CreateObject(s, kt, 5, &k), CKR_OK);
	return k;
}

static CK_RV cmek_op(CK_SESSION_HANDLE s, bool enc, CK_OBJECT_HANDLE k,
		     const uint8_t *in, CK_ULONG n, uint8_t *out, CK_ULONG *len)
{
	CK_MECHANISM mech = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_RV rv =
	    enc ? f->C_EncryptInit(s, &mech, k) : f->C_DecryptInit(s, &mech, k);

	if (rv != CKR_OK)
		return rv;
	return enc ? f->C_Encrypt(s, (CK_BYTE *)in, n, out, len)
		   : f->C_Decrypt(s, (CK_BYTE *)in, n, out, len);
}

/* A session keeps the key it last used and a cipher context keyed for it
 * (p11/crypt.h): switching keys keys the context again, a key destroyed
 * (in this session or another that kept it) is gone, and a key made
 * after it opens nothing the old one sealed. */
static void test_kept_keys(void **state)
{
	CK_SESSION_HANDLE s = open_rw(1, true), s2 = open_rw(1, true);
	CK_OBJECT_HANDLE k1 = make_aes_key(s, 0x11), k2 = make_aes_key(s, 0x22);
	CK_OBJECT_HANDLE k3;
	uint8_t b1[64], b2[64], out[64];
	CK_ULONG n1 = sizeof(b1), n2 = sizeof(b2), len;

	(void)state;
	assert_int_equal(
	    cmek_op(s, true, k1, (const uint8_t *)"one", 3, b1, &n1), CKR_OK);
	assert_int_equal(
	    cmek_op(s, true, k2, (const uint8_t *)"two", 3, b2, &n2), CKR_OK);
	/* Each blob opens under its key only, whatever came before. */
	for (int i = 0; i < 2; i++) {
		len = sizeof(out);
		assert_int_equal(cmek_op(s, false, k1, b1, n1, out, &len),
				 CKR_OK);
		assert_memory_equal(out, "one", 3);
		len = sizeof(out);
		assert_int_equal(cmek_op(s, false, k1, b2, n2, out, &len),
				 CKR_ENCRYPTED_DATA_INVALID);
		len = sizeof(out);
		assert_int_equal(cmek_op(s, false, k2, b2, n2, out, &len),
				 CKR_OK);
		assert_memory_equal(out, "two", 3);
		len = sizeof(out);
		assert_int_equal(cmek_op(s2, false, k2, b1, n1, out, &len),
				 CKR_ENCRYPTED_DATA_INVALID);
		len = sizeof(out);
		assert_int_equal(cmek_op(s2, false, k1, b1, n1, out, &len),
				 CKR_OK);
	}
	/* s2 keeps k1 now; destroyed through s, it is gone for both. */
	assert_int_equal(f->C_DestroyObject(s, k1), CKR_OK);
	len = sizeof(out);
	assert_int_equal(cmek_op(s2, false, k1, b1, n1, out, &len),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(cmek_op(s, false, k1, b1, n1, out, &len),
			 CKR_KEY_HANDLE_INVALID);
	/* A new key (perhaps where the old one lived) is not the old one. */
	k3 = make_aes_key(s2, 0x33);
	len = sizeof(out);
	assert_int_equal(cmek_op(s2, false, k3, b1, n1, out, &len),
			 CKR_ENCRYPTED_DATA_INVALID);
	/* A key kept by a session that closes goes with the session's
	 * objects; the other session's kept key still works. */
	len = sizeof(out);
	assert_int_equal(cmek_op(s, false, k2, b2, n2, out, &len), CKR_OK);
	assert_int_equal(f->C_CloseSession(s2), CKR_OK);
	len = sizeof(out);
	assert_int_equal(cmek_op(s, false, k3, b1, n1, out, &len),
			 CKR_KEY_HANDLE_INVALID);
	len = sizeof(out);
	assert_int_equal(cmek_op(s, false, k2, b2, n2, out, &len), CKR_OK);
	assert_memory_equal(out, "two", 3);
}

/* The application's mutexes (no CKF_OS_LOCKING_OK): a logout cannot try a
 * session's lock, so a session keeps no key between calls. */
static CK_RV cb_create(CK_VOID_PTR_PTR mutex)
{
	static int dummy;

	*mutex = &dummy;
	return CKR_OK;
}

static CK_RV cb_noop(CK_VOID_PTR mutex)
{
	(void)mutex;
	return CKR_OK;
}

static void test_app_mutexes_keep_nothing(void **state)
{
	CK_C_INITIALIZE_ARGS a = {.CreateMutex = cb_create,
				  .DestroyMutex = cb_noop,
				  .LockMutex = cb_noop,
				  .UnlockMutex = cb_noop};
	CK_MECHANISM mech = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_SESSION_HANDLE s;
	struct oc_session *ss;
	uint8_t blob[64];
	CK_ULONG n = sizeof(blob);

	(void)state;
	f->C_Finalize(NULL);
	assert_int_equal(f->C_Initialize(&a), CKR_OK);
	s = open_rw(1, false);
	assert_int_equal(f->C_EncryptInit(s, &mech, cmek_key(s)), CKR_OK);
	assert_int_equal(f->C_Encrypt(s, (CK_BYTE *)"x", 1, blob, &n), CKR_OK);
	assert_int_equal(oc_session_get(s, &ss), CKR_OK);
	assert_null(ss->enc.keep.obj);
	assert_null(ss->enc.keep.ctx);
	oc_session_put(ss);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
}

/* Asking the length or offering too small a buffer decrypts nothing: a
 * blob whose tag fails still answers the length, and the buffer stays as
 * it was; only the call that decrypts reports the tag, and leaves no
 * plaintext in the buffer. */
static void test_decrypt_size_protocol(void **state)
{
	CK_SESSION_HANDLE s = open_rw(1, false);
	CK_MECHANISM mech = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_OBJECT_HANDLE k = cmek_key(s), d = by_label(s, CKO_DATA, "app/blob");
	uint8_t blob[64], out[64], fill[64];
	CK_ULONG n = value(s, d, blob, sizeof(blob)), len;

	(void)state;
	memset(fill, 0xa5, sizeof(fill));
	blob[n - 1] ^= 1;
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	assert_int_equal(f->C_Decrypt(s, blob, n, NULL, &len), CKR_OK);
	assert_int_equal(len, 15);
	memcpy(out, fill, sizeof(out));
	len = 14;
	assert_int_equal(f->C_Decrypt(s, blob, n, out, &len),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(len, 15);
	assert_memory_equal(out, fill, sizeof(out));
	len = sizeof(out);
	assert_int_equal(f->C_Decrypt(s, blob, n, out, &len),
			 CKR_ENCRYPTED_DATA_INVALID);
	assert_null(memmem(out, sizeof(out), "my-secret", 9));
	/* The good blob, straight into a buffer of exactly its length. */
	blob[n - 1] ^= 1;
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	len = 15;
	assert_int_equal(f->C_Decrypt(s, blob, n, out, &len), CKR_OK);
	assert_memory_equal(out, PT_V1, 15);
	assert_memory_equal(out + 15, fill + 15, sizeof(out) - 15);
}

static void test_unwrap_hmac(void **state)
{
	CK_SESSION_HANDLE s = open_rw(1, false);
	CK_MECHANISM mech = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_MECHANISM hm = {CKM_SHA256_HMAC, NULL, 0};
	CK_OBJECT_HANDLE k = cmek_key(s), d = by_label(s, CKO_DATA, "app/blob");
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE gen = CKK_GENERIC_SECRET, aes = CKK_AES;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_KEY_TYPE, &gen, sizeof(gen)},
	    {CKA_LABEL, "hk", 2},
	};
	CK_ATTRIBUTE bad[] = {{CKA_EXTRACTABLE, &yes, 1}};
	CK_ATTRIBUTE as_aes[] = {{CKA_KEY_TYPE, &aes, sizeof(aes)}};
	uint8_t blob[64], mac[32], want[32];
	unsigned int want_len = 0;
	CK_ULONG n = value(s, d, blob, sizeof(blob)), len = sizeof(mac), vlen;
	CK_OBJECT_HANDLE hk;
	CK_ATTRIBUTE va[] = {
	    {CKA_VALUE, mac, sizeof(mac)},
	    {CKA_VALUE_LEN, &vlen, sizeof(vlen)},
	};

	(void)state;
	assert_int_equal(f->C_UnwrapKey(s, &mech, k, blob, n, t, 3, &hk),
			 CKR_OK);
	assert_int_equal(f->C_GetAttributeValue(s, hk, va, 2),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(vlen, 15);
	assert_int_equal(f->C_SignInit(s, &hm, hk), CKR_OK);
	assert_int_equal(f->C_Sign(s, (CK_BYTE *)"message", 7, NULL, &len),
			 CKR_OK);
	assert_int_equal(len, 32);
	assert_int_equal(f->C_Sign(s, (CK_BYTE *)"message", 7, mac, &len),
			 CKR_OK);
	HMAC(EVP_sha256(), PT_V1, 15, (const uint8_t *)"message", 7, want,
	     &want_len);
	assert_int_equal(want_len, 32);
	assert_memory_equal(mac, want, 32);
	/* Multi-part, then verify. */
	assert_int_equal(f->C_SignInit(s, &hm, hk), CKR_OK);
	assert_int_equal(f->C_SignUpdate(s, (CK_BYTE *)"mess", 4), CKR_OK);
	assert_int_equal(f->C_SignUpdate(s, (CK_BYTE *)"age", 3), CKR_OK);
	len = sizeof(mac);
	assert_int_equal(f->C_SignFinal(s, mac, &len), CKR_OK);
	assert_memory_equal(mac, want, 32);
	assert_int_equal(f->C_VerifyInit(s, &hm, hk), CKR_OK);
	assert_int_equal(f->C_Verify(s, (CK_BYTE *)"message", 7, want, 32),
			 CKR_OK);
	want[0] ^= 1;
	assert_int_equal(f->C_VerifyInit(s, &hm, hk), CKR_OK);
	assert_int_equal(f->C_Verify(s, (CK_BYTE *)"message", 7, want, 32),
			 CKR_SIGNATURE_INVALID);
	assert_int_equal(f->C_VerifyInit(s, &hm, hk), CKR_OK);
	assert_int_equal(f->C_Verify(s, (CK_BYTE *)"message", 7, want, 31),
			 CKR_SIGNATURE_LEN_RANGE);
	/* Never extractable; AES only at 32 bytes; a HMAC needs a generic
	 * secret. */
	assert_int_equal(f->C_UnwrapKey(s, &mech, k, blob, n, bad, 1, &hk),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(f->C_UnwrapKey(s, &mech, k, blob, n, as_aes, 1, &hk),
			 CKR_KEY_SIZE_RANGE);
	assert_int_equal(f->C_SignInit(s, &hm, k), CKR_KEY_TYPE_INCONSISTENT);
	blob[20] ^= 1;
	assert_int_equal(f->C_UnwrapKey(s, &mech, k, blob, n, t, 3, &hk),
			 CKR_WRAPPED_KEY_INVALID);
}

static void test_write_plain(void **state)
{
	CK_SESSION_HANDLE s = open_rw(0, true), ro = open_rw(0, false);
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_LABEL, "new/one", 7},
	    {CKA_VALUE, "abc", 3},
	    {CKA_ONECLAW_SECRET_TYPE, "api_key", 7},
	};
	CK_ATTRIBUTE session_obj[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_LABEL, "new/two", 7},
	    {CKA_TOKEN, &no, 1},
	};
	CK_ATTRIBUTE newval = {CKA_VALUE, "abcd", 4};
	CK_ATTRIBUTE copy = {CKA_LABEL, "new/copy", 8};
	CK_OBJECT_HANDLE h, h2, hc;
	char buf[16];

	(void)state;
	assert_int_equal(f->C_CreateObject(ro, t, 5, &h),
			 CKR_SESSION_READ_ONLY);
	assert_int_equal(f->C_CreateObject(s, t, 3, &h), CKR_OK);
	assert_int_equal(m.n_put, 1);
	assert_int_equal(m.last_len, 0);
	assert_int_equal(f->C_CreateObject(s, t, 5, &h2), CKR_OK);
	assert_int_equal(h2, h); /* the same path, the same object */
	assert_int_equal(m.n_put, 2);
	assert_false(m.last_blob);
	assert_memory_equal(m.last_val, "abc", 3);
	/* Read back from the cache. */
	assert_int_equal(value(s, h, buf, sizeof(buf)), 3);
	assert_int_equal(m.n_get, 0);
	assert_int_equal(by_label(s, CKO_DATA, "new/one"), h);
	/* A session object: in memory, never sent. */
	assert_int_equal(f->C_CreateObject(s, session_obj, 3, &h2), CKR_OK);
	assert_int_equal(f->C_CreateObject(ro, session_obj, 3, &h2), CKR_OK);
	assert_int_equal(f->C_CreateObject(s, t, 2, &h2),
			 CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(m.n_put, 2);
	/* New version, copy, destroy. */
	assert_int_equal(f->C_SetAttributeValue(s, h, &newval, 1), CKR_OK);
	assert_int_equal(ms(V_PLAIN, "new/one")->version, 3);
	assert_memory_equal(m.last_val, "abcd", 4);
	assert_int_equal(f->C_SetAttributeValue(s, h, &copy, 1),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(f->C_CopyObject(s, h, &copy, 1, &hc), CKR_OK);
	assert_non_null(ms(V_PLAIN, "new/copy"));
	assert_int_equal(f->C_DestroyObject(ro, hc), CKR_SESSION_READ_ONLY);
	assert_int_equal(f->C_DestroyObject(s, hc), CKR_OK);
	assert_null(ms(V_PLAIN, "new/copy"));
	assert_int_equal(f->C_DestroyObject(s, hc), CKR_OBJECT_HANDLE_INVALID);
	/* The configured key object is not destroyable. */
	assert_int_equal(f->C_DestroyObject(s, cmek_key(s)),
			 CKR_ACTION_PROHIBITED);
}

/* A token object's label is the path it creates: the strict rule of what
 * we send (wire.h), refused before anything is sent.  A session object's
 * label is only text. */
static void test_write_label_rule(void **state)
{
	static const char *const bad[] = {"a//b", "/lead",   "trail/",
					  ".",	  "..",	     "dot/../x",
					  "a\tb", "\xc3\x28"};
	CK_SESSION_HANDLE s = open_rw(0, true);
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_LABEL, NULL, 0},
	    {CKA_VALUE, "v", 1},
	};
	CK_OBJECT_HANDLE h;
	size_t i;
	int puts = m.n_put;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t[2].pValue = (void *)bad[i];
		t[2].ulValueLen = strlen(bad[i]);
		if (f->C_CreateObject(s, t, 4, &h) !=
		    CKR_ATTRIBUTE_VALUE_INVALID)
			fail_msg("token label %zu was taken", i);
	}
	assert_int_equal(m.n_put, puts);
	t[2].pValue = "caf\xc3\xa9/ok";
	t[2].ulValueLen = strlen(t[2].pValue);
	assert_int_equal(f->C_CreateObject(s, t, 4, &h), CKR_OK);
	/* A session object may be labelled "a//b": nothing is sent. */
	t[1].pValue = &no;
	t[2].pValue = "a//b";
	t[2].ulValueLen = 4;
	assert_int_equal(f->C_CreateObject(s, t, 4, &h), CKR_OK);
	assert_int_equal(m.n_put, puts + 1);
}

static void test_write_cmek(void **state)
{
	CK_SESSION_HANDLE s = open_rw(1, true);
	CK_OBJECT_CLASS data = CKO_DATA, sk = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_BBOOL yes = CK_TRUE;
	uint8_t key_v3[32], pt[32], junk[40] = {2};
	size_t len = 0;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_LABEL, "new/sealed", 10},
	    {CKA_VALUE, "plaintext!", 10},
	    {CKA_TOKEN, &yes, 1},
	};
	CK_ATTRIBUTE pre[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_LABEL, "new/pre", 7},
	    {CKA_VALUE, junk, sizeof(junk)},
	    {CKA_ONECLAW_CMEK_ENCRYPTED, &yes, 1},
	};
	CK_ATTRIBUTE kt[] = {
	    {CKA_CLASS, &sk, sizeof(sk)},
	    {CKA_KEY_TYPE, &aes, sizeof(aes)},
	    {CKA_VALUE, key_v3, sizeof(key_v3)},
	};
	CK_OBJECT_HANDLE h, kh;
	struct oc_cmek_key *k = NULL;

	(void)state;
	assert_int_equal(f->C_CreateObject(s, t, 4, &h), CKR_OK);
	assert_true(m.last_blob);
	assert_int_equal(m.last_len, 10 + 29);
	assert_null(memmem(m.last_val, m.last_len, "plaintext", 9));
	assert_int_equal(oc_cmek_key_from_raw(key_v1, &k), OC_OK);
	assert_int_equal(
	    oc_cmek_open(k, m.last_val, m.last_len, pt, sizeof(pt), &len),
	    OC_OK);
	oc_cmek_key_free(k);
	assert_int_equal(len, 10);
	assert_memory_equal(pt, "plaintext!", 10);

	/* Pre-sealed: checked as a v1 blob, sent as is. */
	assert_int_equal(f->C_CreateObject(s, pre, 5, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	junk[0] = 1;
	assert_int_equal(f->C_CreateObject(s, pre, 5, &h), CKR_OK);
	assert_memory_equal(m.last_val, junk, sizeof(junk));

	/* The vault moved to a key the user did not configure: refused,
	 * nothing sent. */
	snprintf(m.vaults[1].v.cmek_fingerprint,
		 sizeof(m.vaults[1].v.cmek_fingerprint), FPR_V3);
	f->C_Finalize(NULL);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	s = open_rw(1, true);
	m.n_put = 0;
	assert_int_equal(f->C_CreateObject(s, t, 4, &h),
			 CKR_ONECLAW_CMEK_MISMATCH);
	assert_int_equal(m.n_put, 0);
	/* The application brings the vault's key: writes go again. */
	for (size_t i = 0; i < sizeof(key_v3); i++)
		key_v3[i] = 0xff; /* the V3 vector key */
	assert_int_equal(f->C_CreateObject(s, kt, 3, &kh), CKR_OK);
	assert_int_equal(f->C_CreateObject(s, t, 4, &h), CKR_OK);
	assert_int_equal(m.n_put, 1);
	assert_int_equal(oc_cmek_key_from_raw(key_v3, &k), OC_OK);
	assert_int_equal(
	    oc_cmek_open(k, m.last_val, m.last_len, pt, sizeof(pt), &len),
	    OC_OK);
	oc_cmek_key_free(k);
	/* Gone with its session. */
	assert_int_equal(f->C_CloseSession(s), CKR_OK);
	s = open_rw(1, true);
	assert_int_equal(f->C_CreateObject(s, t, 4, &h),
			 CKR_ONECLAW_CMEK_MISMATCH);
	assert_int_equal(m.n_put, 1);
}

/* Session data objects: bad templates change nothing, and the per-token
 * bounds hold (objects, then bytes) without a request to the vault. */
static void test_session_data_bounds(void **state)
{
	CK_SESSION_HANDLE s = open_rw(0, false);
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_BBOOL no = CK_FALSE;
	char label[32];
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_TOKEN, &no, 1},
	    {CKA_LABEL, label, 0},
	    {CKA_VALUE, "v", 1},
	};
	CK_ATTRIBUTE bad_label = {CKA_LABEL, "a\x1b[2Jb", 6};
	CK_ATTRIBUTE token = {CKA_TOKEN, &no, 1};
	CK_ATTRIBUTE big = {CKA_VALUE, NULL, 0};
	static CK_OBJECT_HANDLE made[OC_P11_MAX_SESSION_DATA];
	CK_OBJECT_HANDLE h = 0;
	unsigned char buf[4];
	int i;

	(void)state;
	t[2] = bad_label;
	assert_int_equal(f->C_CreateObject(s, t, 4, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	for (i = 0; i < OC_P11_MAX_SESSION_DATA; i++) {
		snprintf(label, sizeof(label), "scratch/%d", i);
		t[2] = (CK_ATTRIBUTE){CKA_LABEL, label, strlen(label)};
		assert_int_equal(f->C_CreateObject(s, t, 4, &made[i]), CKR_OK);
	}
	assert_int_equal(f->C_CreateObject(s, t, 4, &h), CKR_DEVICE_MEMORY);
	/* Not modifiable once made: CKA_TOKEN; the label stays clean. */
	assert_int_equal(f->C_SetAttributeValue(s, made[0], &token, 1),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(f->C_SetAttributeValue(s, made[0], &bad_label, 1),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	/* Past the byte bound (each value is at most max_value_size): the
	 * old value stays. */
	big.ulValueLen = oc_mod.conf.max_value_size;
	big.pValue = calloc(1, big.ulValueLen);
	assert_non_null(big.pValue);
	for (i = 0; i < OC_P11_MAX_SESSION_DATA; i++) {
		CK_RV rv = f->C_SetAttributeValue(s, made[i], &big, 1);

		if (rv == CKR_DEVICE_MEMORY)
			break;
		assert_int_equal(rv, CKR_OK);
	}
	free(big.pValue);
	assert_true(i < OC_P11_MAX_SESSION_DATA);
	assert_int_equal(value(s, made[i], buf, sizeof(buf)), 1);
	assert_int_equal(m.n_put, 0);
	/* Gone with the session, bounds freed. */
	assert_int_equal(f->C_CloseSession(s), CKR_OK);
	s = open_rw(0, false);
	assert_int_equal(f->C_CreateObject(s, t, 4, &h), CKR_OK);
}

/* The server is not trusted about sealing when the vault's key is
 * configured (p11/sealed.h). */
static void test_cmek_untrusted_server(void **state)
{
	static const uint8_t other[32] = {7};
	struct oc_cmek_key *k = NULL;
	uint8_t foreign[64], pt[64];
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_LABEL, "app/off", 7},
	    {CKA_VALUE, "while off", 9},
	};
	CK_ATTRIBUTE a = {CKA_VALUE, NULL, 0};
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	size_t n = 0;

	(void)state;
	assert_int_equal(oc_cmek_key_from_raw(other, &k), OC_OK);
	assert_int_equal(oc_cmek_seal(k, (const uint8_t *)"x", 1, foreign,
				      sizeof(foreign), &n),
			 OC_OK);
	oc_cmek_key_free(k);
	add(V_CMEK, "app/planted", "planted", 7, false);
	add(V_CMEK, "app/foreign", foreign, n, true);
	f->C_Finalize(NULL);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	s = open_rw(1, true);

	/* Unsealed, or sealed under another key: refused, and no match. */
	h = by_label(s, CKO_DATA, "app/planted");
	assert_int_equal(f->C_GetAttributeValue(s, h, &a, 1),
			 CKR_ONECLAW_NOT_SEALED);
	h = by_label(s, CKO_DATA, "app/foreign");
	assert_int_equal(f->C_GetAttributeValue(s, h, &a, 1),
			 CKR_ONECLAW_NOT_SEALED);

	/* The server says CMEK is off: the write is sealed all the same. */
	m.vaults[1].v.cmek_enabled = false;
	f->C_Finalize(NULL);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	s = open_rw(1, true);
	assert_int_equal(f->C_CreateObject(s, t, 4, &h), CKR_OK);
	assert_true(m.last_blob);
	assert_null(memmem(m.last_val, m.last_len, "while off", 9));
	assert_int_equal(oc_cmek_key_from_raw(key_v1, &k), OC_OK);
	assert_int_equal(
	    oc_cmek_open(k, m.last_val, m.last_len, pt, sizeof(pt), &n), OC_OK);
	oc_cmek_key_free(k);
	assert_int_equal(n, 9);

	/* The user's explicit choice lets unsealed values through. */
	assert_int_equal(set_conf("[vault " V_CMEK "]\n"
				  "allow_unsealed = true\n"),
			 0);
	f->C_Finalize(NULL);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	s = open_rw(1, true);
	h = by_label(s, CKO_DATA, "app/planted");
	assert_int_equal(f->C_GetAttributeValue(s, h, &a, 1), CKR_OK);
	assert_int_equal(a.ulValueLen, 7);
	assert_int_equal(set_conf(""), 0);
}

static void test_read_only(void **state)
{
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;

	(void)state;
	assert_int_equal(set_conf("read_only = true\n"), 0);
	f->C_Finalize(NULL);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	assert_int_equal(f->C_GetTokenInfo(0, &ti), CKR_OK);
	assert_true(ti.flags & CKF_WRITE_PROTECTED);
	assert_int_equal(f->C_OpenSession(0,
					  CKF_SERIAL_SESSION | CKF_RW_SESSION,
					  NULL, NULL, &s),
			 CKR_TOKEN_WRITE_PROTECTED);
	assert_int_equal(f->C_OpenSession(0, CKF_RW_SESSION, NULL, NULL, &s),
			 CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	assert_int_equal(set_conf(""), 0);
}

static void test_pin_mode(void **state)
{
	CK_MECHANISM mech = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_BYTE blob[64] = {1};
	CK_SESSION_HANDLE s, rw, idle;
	struct oc_session *is;
	CK_SLOT_ID ids[4];
	CK_ULONG n = 4;
	CK_TOKEN_INFO ti;
	CK_OBJECT_HANDLE h[8];
	CK_SESSION_INFO si;
	CK_BBOOL priv = 0;
	CK_ATTRIBUTE pa = {CKA_PRIVATE, &priv, 1};

	(void)state;
	f->C_Finalize(NULL);
	unsetenv("ONECLAW_API_KEY");
	assert_int_equal(write_conf("", true), 0);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	/* A stand-in slot, answered without the network. */
	assert_int_equal(f->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m.n_vault_list, 0);
	assert_int_equal(f->C_GetTokenInfo(ids[0], &ti), CKR_OK);
	assert_memory_equal(ti.label, "1claw ", 6);
	assert_true(ti.flags & CKF_LOGIN_REQUIRED);
	assert_true(ti.flags & CKF_USER_PIN_INITIALIZED);
	s = open_rw(0, false);
	assert_int_equal(find(s, NULL, 0, h, 8), 0);
	assert_int_equal(m.n_secret_list, 0);
	/* No SO, so no SO PIN: never the API key, never sent anywhere. */
	assert_int_equal(
	    f->C_Login(s, CKU_SO, (CK_UTF8CHAR *)PIN_KEY, strlen(PIN_KEY)),
	    CKR_SESSION_READ_ONLY_EXISTS);
	rw = open_rw(0, true);
	assert_int_equal(f->C_CloseSession(s), CKR_OK);
	assert_int_equal(
	    f->C_Login(rw, CKU_SO, (CK_UTF8CHAR *)PIN_KEY, strlen(PIN_KEY)),
	    CKR_PIN_INCORRECT);
	assert_int_equal(m.n_login, 0);
	s = open_rw(0, false);
	assert_int_equal(f->C_CloseSession(rw), CKR_OK);
	/* Wrong key, right key. */
	assert_int_equal(f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)"1ck_wrong", 9),
			 CKR_PIN_INCORRECT);
	assert_int_equal(
	    f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)PIN_KEY, strlen(PIN_KEY)),
	    CKR_OK);
	assert_int_equal(
	    f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)PIN_KEY, strlen(PIN_KEY)),
	    CKR_USER_ALREADY_LOGGED_IN);
	assert_int_equal(
	    f->C_Login(s, CKU_SO, (CK_UTF8CHAR *)PIN_KEY, strlen(PIN_KEY)),
	    CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
	assert_int_equal(f->C_GetSessionInfo(s, &si), CKR_OK);
	assert_int_equal(si.state, CKS_RO_USER_FUNCTIONS);
	/* The stand-in is the first vault now; the others follow. */
	assert_int_equal(find(s, NULL, 0, h, 8), 4);
	assert_int_equal(f->C_GetAttributeValue(s, h[0], &pa, 1), CKR_OK);
	assert_int_equal(priv, CK_TRUE);
	n = 4;
	assert_int_equal(f->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(f->C_GetTokenInfo(0, &ti), CKR_OK);
	assert_memory_equal(ti.label, "1claw ", 6); /* decided once */
	assert_int_equal(f->C_GetTokenInfo(1, &ti), CKR_OK);
	assert_memory_equal(ti.label, "sealed ", 7);
	/* A decryption and a search left pending across the logout; a
	 * session that encrypted and then makes no call keeps the key. */
	rw = open_rw(0, false);
	assert_int_equal(f->C_DecryptInit(s, &mech, cmek_key(s)), CKR_OK);
	assert_int_equal(f->C_FindObjectsInit(rw, NULL, 0), CKR_OK);
	idle = open_rw(0, false);
	n = sizeof(blob);
	assert_int_equal(f->C_EncryptInit(idle, &mech, cmek_key(idle)), CKR_OK);
	assert_int_equal(f->C_Encrypt(idle, (CK_BYTE *)"x", 1, blob, &n),
			 CKR_OK);
	/* Logout wipes: credential, caches, objects, pending operations,
	 * and at once the keys and cipher contexts sessions keep. */
	assert_int_equal(f->C_Logout(s), CKR_OK);
	assert_int_equal(m.n_logout, 1);
	assert_int_equal(oc_session_get(idle, &is), CKR_OK);
	assert_null(is->enc.keep.obj);
	assert_null(is->enc.keep.ctx);
	oc_session_put(is);
	assert_int_equal(f->C_CloseSession(idle), CKR_OK);
	assert_int_equal(f->C_Decrypt(s, blob, sizeof(blob), blob, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->C_FindObjects(rw, h, 8, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(f->C_CloseSession(rw), CKR_OK);
	assert_int_equal(f->C_GetAttributeValue(s, h[0], &pa, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(find(s, NULL, 0, h, 8), 0);
	assert_int_equal(f->C_Logout(s), CKR_USER_NOT_LOGGED_IN);
	/* Closing the last session logs out too. */
	assert_int_equal(
	    f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)PIN_KEY, strlen(PIN_KEY)),
	    CKR_OK);
	assert_int_equal(f->C_CloseAllSessions(0), CKR_OK);
	assert_int_equal(m.n_logout, 2);
	assert_int_equal(f->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(set_conf(""), 0);
}

/* --- key pairs and certificates from secrets ------------------------------ */

static void add_typed(const char *vid, const char *path, const char *type,
		      const void *val, size_t len, bool cmek)
{
	add(vid, path, val, len, cmek);
	snprintf(ms(vid, path)->type, sizeof(ms(vid, path)->type), "%s", type);
}

/* Rewrites the module's config file (read at C_Initialize): with
 * `listed`, the vaults are the ones the credential sees (a stand-in
 * token until they are listed), else the two vaults and their names;
 * then text, then the plain vault's section (the global test key would
 * otherwise refuse its unsealed values). */
static int write_conf(const char *text, bool listed)
{
	FILE *fp = fopen(conf_path, "w");

	if (!fp)
		return -1;
	if (!listed)
		fputs("vaults = " V_PLAIN ", " V_CMEK "\n", fp);
	fputs(text, fp);
	fputs("[vault " V_PLAIN "]\nallow_unsealed = true\n", fp);
	if (!listed)
		fputs("name = plain\n[vault " V_CMEK "]\nname = sealed\n", fp);
	return fclose(fp);
}

static int set_conf(const char *text)
{
	return write_conf(text, false);
}

static size_t pem_key(EVP_PKEY *k, uint8_t *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	assert_non_null(b);
	assert_int_equal(
	    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_read(b, out, (int)cap);
	BIO_free(b);
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

/* A self-signed certificate for k, PEM. */
static size_t pem_cert(EVP_PKEY *k, const char *cn, uint8_t *out, size_t cap)
{
	X509 *x = X509_new();
	BIO *b = BIO_new(BIO_s_mem());
	X509_NAME *name;
	int n;

	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	n = BIO_read(b, out, (int)cap);
	BIO_free(b);
	X509_free(x);
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static CK_OBJECT_HANDLE one(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
			    const char *label)
{
	return by_label(s, cls, label);
}

static CK_ULONG count_class(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls)
{
	CK_ATTRIBUTE t = {CKA_CLASS, &cls, sizeof(cls)};
	CK_OBJECT_HANDLE h[16];

	return find(s, &t, 1, h, 16);
}

static void attr_bytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
		       CK_ATTRIBUTE_TYPE type, uint8_t *buf, CK_ULONG *len)
{
	CK_ATTRIBUTE a = {type, buf, *len};

	assert_int_equal(f->C_GetAttributeValue(s, h, &a, 1), CKR_OK);
	*len = a.ulValueLen;
}

static void test_key_objects(void **state)
{
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	uint8_t pem[4096], crt[4096], id1[64], id2[64], sub1[256], sub2[256];
	uint8_t sig[256];
	CK_ULONG n1 = sizeof(id1), n2 = sizeof(id2), l1 = sizeof(sub1),
		 l2 = sizeof(sub2), sl;
	CK_MECHANISM ecdsa = {CKM_ECDSA_SHA256, NULL, 0};
	CK_MECHANISM rsa = {CKM_SHA256_RSA_PKCS, NULL, 0};
	CK_MECHANISM eddsa = {CKM_EDDSA, NULL, 0};
	CK_OBJECT_HANDLE priv, pub, cert, data;
	CK_SESSION_HANDLE s;
	CK_ATTRIBUTE a;
	CK_BBOOL tf = CK_TRUE;
	EVP_MD_CTX *md;
	size_t n;

	(void)state;
	assert_non_null(ec);
	assert_non_null(ed);
	n = pem_key(ec, pem, sizeof(pem));
	add_typed(V_PLAIN, "tls/client.key", "private_key", pem, n, false);
	n = pem_cert(ec, "client", crt, sizeof(crt));
	add_typed(V_PLAIN, "tls/client.crt", "certificate", crt, n, false);
	n = pem_key(ed, pem, sizeof(pem));
	add_typed(V_PLAIN, "ssh/id", "ssh_key", pem, n, false);
	add_typed(V_PLAIN, "tls/bad.key", "private_key", "-----BEGIN junk", 15,
		  false);
	f->C_Finalize(NULL);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);

	s = open_rw(0, false);
	assert_int_equal(count_class(s, CKO_PRIVATE_KEY), 2);
	assert_int_equal(count_class(s, CKO_PUBLIC_KEY), 2);
	assert_int_equal(count_class(s, CKO_CERTIFICATE), 1);
	priv = one(s, CKO_PRIVATE_KEY, "tls/client.key");
	pub = one(s, CKO_PUBLIC_KEY, "tls/client.key");
	cert = one(s, CKO_CERTIFICATE, "tls/client.crt");

	/* Key and certificate pair by CKA_ID; the key takes its subject. */
	attr_bytes(s, priv, CKA_ID, id1, &n1);
	attr_bytes(s, cert, CKA_ID, id2, &n2);
	assert_int_equal(n1, 20);
	assert_int_equal(n2, 20);
	assert_memory_equal(id1, id2, 20);
	attr_bytes(s, priv, CKA_SUBJECT, sub1, &l1);
	attr_bytes(s, cert, CKA_SUBJECT, sub2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(sub1, sub2, l1);

	/* Private parts are sensitive; so is the secret's data object. */
	a = (CK_ATTRIBUTE){CKA_VALUE, NULL, 0};
	assert_int_equal(f->C_GetAttributeValue(s, priv, &a, 1),
			 CKR_ATTRIBUTE_SENSITIVE);
	data = one(s, CKO_DATA, "tls/client.key");
	assert_int_equal(f->C_GetAttributeValue(s, data, &a, 1),
			 CKR_ATTRIBUTE_SENSITIVE);
	/* A value of a key type that does not parse makes no key object,
	 * and is still never shown: it may be a key in another form. */
	data = one(s, CKO_DATA, "tls/bad.key");
	a = (CK_ATTRIBUTE){CKA_VALUE, NULL, 0};
	assert_int_equal(f->C_GetAttributeValue(s, data, &a, 1),
			 CKR_ATTRIBUTE_SENSITIVE);
	/* They live with their secret. */
	a = (CK_ATTRIBUTE){CKA_SIGN, &tf, sizeof(tf)};
	assert_int_equal(f->C_SetAttributeValue(s, priv, &a, 1),
			 CKR_ACTION_PROHIBITED);
	assert_int_equal(f->C_DestroyObject(s, priv), CKR_ACTION_PROHIBITED);

	/* ECDSA in the token, verified by the token and by OpenSSL. */
	assert_int_equal(f->C_SignInit(s, &rsa, priv),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(f->C_SignInit(s, &ecdsa, pub),
			 CKR_KEY_FUNCTION_NOT_PERMITTED);
	assert_int_equal(f->C_SignInit(s, &ecdsa, cert),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(f->C_SignInit(s, &ecdsa, priv), CKR_OK);
	assert_int_equal(f->C_Sign(s, (CK_BYTE *)"hello", 5, NULL, &sl),
			 CKR_OK);
	assert_int_equal(sl, 64);
	assert_int_equal(f->C_Sign(s, (CK_BYTE *)"hello", 5, sig, &sl), CKR_OK);
	assert_int_equal(f->C_VerifyInit(s, &ecdsa, pub), CKR_OK);
	assert_int_equal(f->C_Verify(s, (CK_BYTE *)"hello", 5, sig, sl),
			 CKR_OK);
	sig[3] ^= 1;
	assert_int_equal(f->C_VerifyInit(s, &ecdsa, pub), CKR_OK);
	assert_int_equal(f->C_Verify(s, (CK_BYTE *)"hello", 5, sig, sl),
			 CKR_SIGNATURE_INVALID);

	/* Ed25519 from an ssh_key secret. */
	priv = one(s, CKO_PRIVATE_KEY, "ssh/id");
	assert_int_equal(f->C_SignInit(s, &eddsa, priv), CKR_OK);
	sl = sizeof(sig);
	assert_int_equal(f->C_Sign(s, (CK_BYTE *)"msg", 3, sig, &sl), CKR_OK);
	assert_int_equal(sl, 64);
	md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, NULL, NULL, ed), 1);
	assert_int_equal(
	    EVP_DigestVerify(md, sig, sl, (const uint8_t *)"msg", 3), 1);
	EVP_MD_CTX_free(md);

	/* Logout-free drop: the last session closing forgets the parsed key;
	 * the next use parses it again. */
	assert_int_equal(f->C_CloseSession(s), CKR_OK);
	s = open_rw(0, false);
	assert_int_equal(f->C_SignInit(s, &eddsa, priv), CKR_OK);
	sl = sizeof(sig);
	assert_int_equal(f->C_Sign(s, (CK_BYTE *)"msg", 3, sig, &sl), CKR_OK);

	/* With no cache: a key is fetched again for every operation, and
	 * a secret that left takes its objects along on the next sync. */
	f->C_Finalize(NULL);
	assert_int_equal(set_conf("cache_ttl = 0\n"), 0);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	s = open_rw(0, false);
	priv = one(s, CKO_PRIVATE_KEY, "ssh/id");
	m.n_get = 0;
	assert_int_equal(f->C_SignInit(s, &eddsa, priv), CKR_OK);
	sl = sizeof(sig);
	assert_int_equal(f->C_Sign(s, (CK_BYTE *)"msg", 3, sig, &sl), CKR_OK);
	assert_int_equal(m.n_get, 1);
	ms(V_PLAIN, "ssh/id")->path[0] = '\0';
	assert_int_equal(count_class(s, CKO_PRIVATE_KEY), 1);
	assert_int_equal(f->C_SignInit(s, &eddsa, priv),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(set_conf(""), 0);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ed);
}

/* A list fetched while this process wrote or deleted (another thread's
 * C_CreateObject / C_DestroyObject, made here by the mock while the list
 * is in flight): the write stays found, the delete stays gone. */
static struct oc_token *race_tok;
static CK_OBJECT_HANDLE race_doomed;

static void write_during_list(void)
{
	struct oc_secret_meta meta;
	CK_OBJECT_HANDLE h;

	add(V_PLAIN, "app/new", "fresh", 5, false);
	memset(&meta, 0, sizeof(meta));
	meta.version = 1;
	snprintf(meta.type, sizeof(meta.type), "password");
	assert_int_equal(oc_token_stored(race_tok, "app/new", &meta,
					 (const uint8_t *)"fresh", 5, NULL, 0,
					 &h),
			 CKR_OK);
}

static void delete_during_list(void)
{
	ms(V_PLAIN, "app/two")->path[0] = '\0';
	oc_token_forget(race_tok, race_doomed);
}

static void wipe_during_list(void)
{
	oc_token_wipe(race_tok);
}

/* A list or a lookup that ends after a logout (oc_token_wipe) leaves the
 * wiped store empty; the next find asks again. */
static void test_list_races_wipe(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_ATTRIBUTE all_data[] = {{CKA_CLASS, &data, sizeof(data)}};
	CK_ATTRIBUTE one[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_LABEL, "app/one", 7},
	};
	CK_OBJECT_HANDLE got[8];

	(void)state;
	s = open_rw(0, false);
	assert_int_equal(oc_slot_token(0, &race_tok), CKR_OK);
	m.during_list = wipe_during_list;
	assert_int_equal(find(s, one, 2, got, 8), 0);
	assert_null(m.during_list);
	assert_int_equal(race_tok->store.n, 0);
	m.during_list = wipe_during_list;
	assert_int_equal(find(s, all_data, 1, got, 8), 0);
	assert_null(m.during_list);
	assert_int_equal(race_tok->store.n, 0);
	assert_int_equal(find(s, all_data, 1, got, 8), 3);
	assert_int_equal(find(s, one, 2, got, 8), 1);
	assert_int_equal(m.n_lookup, 1);
	assert_int_equal(m.n_secret_list, 2);
}

static void test_list_races_local_changes(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_ATTRIBUTE fresh[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_LABEL, "app/new", 7},
	};
	CK_ATTRIBUTE doomed[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_LABEL, "app/two", 7},
	};
	CK_OBJECT_HANDLE h;
	char buf[16];

	(void)state;
	f->C_Finalize(NULL);
	assert_int_equal(set_conf("cache_ttl = 0\n"), 0);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	s = open_rw(0, true);
	assert_int_equal(oc_slot_token(0, &race_tok), CKR_OK);
	race_doomed = by_label(s, CKO_DATA, "app/two");

	m.during_list = write_during_list;
	assert_int_equal(find(s, fresh, 2, &h, 1), 1);
	assert_null(m.during_list);
	assert_int_equal(value(s, h, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "fresh", 5);

	m.during_list = delete_during_list;
	assert_int_equal(find(s, doomed, 2, &h, 1), 0);
	assert_null(m.during_list);
	/* The next list agrees with the server: nothing lost either. */
	assert_int_equal(find(s, fresh, 2, &h, 1), 1);
	by_label(s, CKO_DATA, "app/one");
	assert_int_equal(set_conf(""), 0);
}

/* A sealed RSA key in a CMEK vault: opened inside the module. */
static void test_key_objects_cmek(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	struct oc_cmek_key *ck = NULL;
	uint8_t pem[4096], blob[4096 + OC_CMEK_OVERHEAD], sig[512], ct[512],
	    pt[512];
	CK_MECHANISM rsa = {CKM_SHA256_RSA_PKCS, NULL, 0};
	CK_RSA_PKCS_OAEP_PARAMS op = {CKM_SHA256, CKG_MGF1_SHA256,
				      CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM oaep = {CKM_RSA_PKCS_OAEP, &op, sizeof(op)};
	CK_ULONG sl = sizeof(sig), cl = sizeof(ct), pl = sizeof(pt);
	CK_OBJECT_HANDLE priv, pub;
	CK_SESSION_HANDLE s;
	EVP_MD_CTX *md;
	size_t n, bl;

	(void)state;
	assert_non_null(k);
	n = pem_key(k, pem, sizeof(pem));
	assert_int_equal(oc_cmek_key_from_raw(key_v1, &ck), OC_OK);
	assert_int_equal(oc_cmek_seal(ck, pem, n, blob, sizeof(blob), &bl),
			 OC_OK);
	oc_cmek_key_free(ck);
	add_typed(V_CMEK, "tls/rsa.key", "private_key", blob, bl, true);
	f->C_Finalize(NULL);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);

	s = open_rw(1, false);
	priv = one(s, CKO_PRIVATE_KEY, "tls/rsa.key");
	pub = one(s, CKO_PUBLIC_KEY, "tls/rsa.key");
	assert_int_equal(f->C_SignInit(s, &rsa, priv), CKR_OK);
	assert_int_equal(f->C_SignUpdate(s, (CK_BYTE *)"he", 2), CKR_OK);
	assert_int_equal(f->C_SignUpdate(s, (CK_BYTE *)"llo", 3), CKR_OK);
	assert_int_equal(f->C_SignFinal(s, sig, &sl), CKR_OK);
	assert_int_equal(sl, 256);
	md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k),
			 1);
	assert_int_equal(
	    EVP_DigestVerify(md, sig, sl, (const uint8_t *)"hello", 5), 1);
	EVP_MD_CTX_free(md);

	/* OAEP through both halves; a short buffer keeps the operation. */
	assert_int_equal(f->C_EncryptInit(s, &oaep, pub), CKR_OK);
	assert_int_equal(f->C_Encrypt(s, (CK_BYTE *)"secret", 6, ct, &cl),
			 CKR_OK);
	assert_int_equal(cl, 256);
	assert_int_equal(f->C_DecryptInit(s, &oaep, priv), CKR_OK);
	pl = 2;
	assert_int_equal(f->C_Decrypt(s, ct, cl, pt, &pl),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(pl, 6);
	assert_int_equal(f->C_Decrypt(s, ct, cl, pt, &pl), CKR_OK);
	assert_memory_equal(pt, "secret", 6);
	assert_int_equal(f->C_EncryptInit(s, &oaep, priv),
			 CKR_KEY_FUNCTION_NOT_PERMITTED);
	EVP_PKEY_free(k);
}

static void test_misc(void **state)
{
	CK_SESSION_HANDLE s = open_rw(0, false);
	CK_MECHANISM_TYPE mechs[64];
	CK_MECHANISM_INFO mi;
	CK_ULONG n = 0;
	uint8_t rnd[64] = {0}, zero[64] = {0};

	(void)state;
	assert_int_equal(f->C_GetMechanismList(0, NULL, &n), CKR_OK);
	assert_int_equal(n, 6 + oc_digest_mech_count() + oc_asym_mech_count());
	n = 2;
	assert_int_equal(f->C_GetMechanismList(0, mechs, &n),
			 CKR_BUFFER_TOO_SMALL);
	n = 64;
	assert_int_equal(f->C_GetMechanismList(0, mechs, &n), CKR_OK);
	assert_int_equal(mechs[0], CKM_ONECLAW_CMEK);
	assert_int_equal(f->C_GetMechanismInfo(0, CKM_SHA384, &mi), CKR_OK);
	assert_int_equal(mi.flags, CKF_DIGEST);
	assert_int_equal(f->C_GetMechanismInfo(0, CKM_ONECLAW_CMEK, &mi),
			 CKR_OK);
	assert_true(mi.flags & CKF_UNWRAP);
	assert_int_equal(f->C_GetMechanismInfo(0, CKM_RSA_PKCS, &mi), CKR_OK);
	assert_true(mi.flags & CKF_SIGN);
	assert_int_equal(f->C_GetMechanismInfo(0, CKM_DSA, &mi),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(f->C_GenerateRandom(s, rnd, sizeof(rnd)), CKR_OK);
	assert_memory_not_equal(rnd, zero, sizeof(rnd));
	assert_int_equal(f->C_SeedRandom(s, rnd, 4),
			 CKR_RANDOM_SEED_NOT_SUPPORTED);
	assert_int_equal(f->C_InitToken(0, NULL, 0, NULL),
			 CKR_FUNCTION_NOT_SUPPORTED);
	assert_int_equal(f->C_GetSessionInfo(s + 1, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(f->C_CloseSession(0xdead), CKR_SESSION_HANDLE_INVALID);
}

/* The audit file's lines, without their time and caller, each ending
 * in ';'. */
static void audit_lines(const char *path, char *out, size_t size)
{
	char line[OC_AUDIT_LINE_MAX];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	assert_non_null(fp);
	out[0] = '\0';
	while (fgets(line, sizeof(line), fp)) {
		char *b = strstr(line, " op="),
		     *e = strstr(line, " caller_pid=");

		assert_non_null(b);
		assert_non_null(e);
		assert_memory_equal(line + 24,
				    " oneclaw-pkcs11 audit: op=", 26);
		n += (size_t)snprintf(out + n, size - n, "%.*s;",
				      (int)(e - b - 1), b + 1);
		assert_true(n < size);
	}
	fclose(fp);
}

/* One line per use, at the call that delivers or finally refuses: not for
 * a length asked, a buffer too small, an operation still going, a refused
 * Init, or the application's session objects. */
static void test_audit(void **state)
{
	char path[] = "/tmp/p11-audit-XXXXXX", got[4096];
	CK_SESSION_HANDLE s;
	CK_MECHANISM mech = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_MECHANISM gcm = {CKM_AES_GCM, NULL, 0};
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	CK_ATTRIBUTE mine[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_TOKEN, &no, 1},
	    {CKA_LABEL, "mine", 4},
	    {CKA_VALUE, "v", 1},
	};
	CK_ATTRIBUTE vault[] = {
	    {CKA_CLASS, &data, sizeof(data)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_LABEL, "new \"one\"", 9},
	    {CKA_VALUE, "abc", 3},
	};
	CK_ATTRIBUTE newval = {CKA_VALUE, "abcd", 4};
	CK_OBJECT_HANDLE h, k, d, sh;
	CK_ULONG len, part;
	uint8_t blob[64], out[64];
	CK_ATTRIBUTE a = {CKA_VALUE, NULL, 0};
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
	setenv("ONECLAW_PKCS11_AUDIT", path, 1);
	assert_int_equal(f->C_Initialize(NULL), CKR_OK);
	unsetenv("ONECLAW_PKCS11_AUDIT");

	s = open_rw(0, true);
	h = by_label(s, CKO_DATA, "app/one");
	/* Length, too small, then the value: one line. */
	assert_int_equal(f->C_GetAttributeValue(s, h, &a, 1), CKR_OK);
	a.pValue = out;
	a.ulValueLen = 2;
	assert_int_equal(f->C_GetAttributeValue(s, h, &a, 1),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(f->C_GetObjectSize(s, h, &len), CKR_OK);
	assert_int_equal(value(s, h, out, sizeof(out)), 9);
	/* A size query and the value in one template: still a read. */
	{
		CK_ATTRIBUTE two[2] = {{CKA_VALUE, NULL, 0},
				       {CKA_VALUE, out, sizeof(out)}};

		assert_int_equal(f->C_GetAttributeValue(s, h, two, 2), CKR_OK);
		assert_int_equal(two[1].ulValueLen, 9);
	}
	/* The key's value, refused (even when only its length is asked). */
	a.pValue = NULL;
	assert_int_equal(f->C_GetAttributeValue(s, cmek_key(s), &a, 1),
			 CKR_ATTRIBUTE_SENSITIVE);
	/* Session data: the application's own. */
	assert_int_equal(f->C_CreateObject(s, mine, 4, &sh), CKR_OK);
	assert_int_equal(value(s, sh, out, sizeof(out)), 1);
	assert_int_equal(f->C_SetAttributeValue(s, sh, &newval, 1), CKR_OK);
	assert_int_equal(f->C_DestroyObject(s, sh), CKR_OK);
	/* Vault writes. */
	assert_int_equal(f->C_CreateObject(s, vault, 4, &h), CKR_OK);
	assert_int_equal(f->C_SetAttributeValue(s, h, &newval, 1), CKR_OK);
	assert_int_equal(f->C_DestroyObject(s, h), CKR_OK);
	assert_int_equal(f->C_DestroyObject(s, cmek_key(s)),
			 CKR_ACTION_PROHIBITED);
	assert_int_equal(f->C_CloseSession(s), CKR_OK);

	s = open_rw(1, false);
	k = cmek_key(s);
	d = by_label(s, CKO_DATA, "app/blob");
	len = value(s, d, blob, sizeof(blob));
	/* An Init refused starts nothing. */
	assert_int_equal(f->C_DecryptInit(s, &gcm, k),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	assert_int_equal(f->C_Decrypt(s, blob, len, NULL, &part), CKR_OK);
	part = 3;
	assert_int_equal(f->C_Decrypt(s, blob, len, out, &part),
			 CKR_BUFFER_TOO_SMALL);
	part = sizeof(out);
	assert_int_equal(f->C_Decrypt(s, blob, len, out, &part), CKR_OK);
	blob[len - 1] ^= 1;
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	part = sizeof(out);
	assert_int_equal(f->C_Decrypt(s, blob, len, out, &part),
			 CKR_ENCRYPTED_DATA_INVALID);
	blob[len - 1] ^= 1;
	/* Multi-part: once, at the Final that delivers. */
	assert_int_equal(f->C_DecryptInit(s, &mech, k), CKR_OK);
	part = sizeof(out);
	assert_int_equal(f->C_DecryptUpdate(s, blob, len, out, &part), CKR_OK);
	part = 1;
	assert_int_equal(f->C_DecryptFinal(s, out, &part),
			 CKR_BUFFER_TOO_SMALL);
	part = sizeof(out);
	assert_int_equal(f->C_DecryptFinal(s, out, &part), CKR_OK);
	assert_int_equal(f->C_EncryptInit(s, &mech, k), CKR_OK);
	part = sizeof(out);
	assert_int_equal(f->C_Encrypt(s, (CK_BYTE *)"abc", 3, out, &part),
			 CKR_OK);

	audit_lines(path, got, sizeof(got));
	unlink(path);
	assert_string_equal(
	    got, "op=read result=CKR_OK vault=" V_PLAIN " label=app/one mech=-;"
		 "op=read result=CKR_OK vault=" V_PLAIN " label=app/one mech=-;"
		 "op=read result=CKR_ATTRIBUTE_SENSITIVE vault=" V_PLAIN
		 " label=cmek mech=-;"
		 "op=create result=CKR_OK vault=" V_PLAIN
		 " label=\"new \\\"one\\\"\" mech=-;"
		 "op=write result=CKR_OK vault=" V_PLAIN
		 " label=\"new \\\"one\\\"\" mech=-;"
		 "op=destroy result=CKR_OK vault=" V_PLAIN
		 " label=\"new \\\"one\\\"\" mech=-;"
		 "op=destroy result=CKR_ACTION_PROHIBITED vault=" V_PLAIN
		 " label=cmek mech=-;"
		 "op=read result=CKR_OK vault=" V_CMEK " label=app/blob mech=-;"
		 "op=decrypt result=CKR_OK vault=" V_CMEK
		 " label=cmek mech=CKM_ONECLAW_CMEK;"
		 "op=decrypt result=CKR_ENCRYPTED_DATA_INVALID vault=" V_CMEK
		 " label=cmek mech=CKM_ONECLAW_CMEK;"
		 "op=decrypt result=CKR_OK vault=" V_CMEK
		 " label=cmek mech=CKM_ONECLAW_CMEK;"
		 "op=encrypt result=CKR_OK vault=" V_CMEK
		 " label=cmek mech=CKM_ONECLAW_CMEK;");
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_init),
	    T(test_init_reserved),
	    T(test_slots),
	    T(test_standin),
	    T(test_find_read),
	    T(test_find_lookup),
	    T(test_find_lookup_gone),
	    T(test_find_lookup_refused),
	    T(test_find_lookup_misses),
	    T(test_find_lookup_duplicates),
	    T(test_find_templates),
	    T(test_attributes),
	    T(test_gone_and_failing),
	    T(test_decrypt),
	    T(test_gcm),
	    T(test_gcm_session_key),
	    T(test_kept_keys),
	    T(test_decrypt_size_protocol),
	    T(test_app_mutexes_keep_nothing),
	    T(test_unwrap_hmac),
	    T(test_write_plain),
	    T(test_write_label_rule),
	    T(test_write_cmek),
	    T(test_cmek_untrusted_server),
	    T(test_session_data_bounds),
	    T(test_read_only),
	    T(test_pin_mode),
	    T(test_misc),
	    T(test_key_objects),
	    T(test_key_objects_cmek),
	    T(test_list_races_local_changes),
	    T(test_list_races_wipe),
	    T(test_audit),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
