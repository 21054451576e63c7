/* fuzz-attrs.c - PKCS#11 attribute templates through the module's own
 * function list (p11/libocp11.la, linked in), against an in-memory vault
 * installed with oc_backend_set_factory: nothing is reachable over the
 * network (ONECLAW_API_URL=http://127.0.0.1:9) and every run starts from
 * the same three secrets and the configured CMEK key (ONECLAW_CMEK_KEY).
 *
 * Input: a mode byte (CMEK on, PIN or credential mode, read-only, R/W
 * session), then up to 24 operations, each an opcode and its arguments:
 * C_CreateObject, C_FindObjectsInit/C_FindObjects/C_FindObjectsFinal,
 * C_GetAttributeValue, C_SetAttributeValue, C_CopyObject, C_DestroyObject,
 * C_GetObjectSize, C_UnwrapKey.  Templates are decoded with bounded counts
 * and lengths; every value buffer is a heap block of exactly its stated
 * length, so ASan sees any read or write past it.  Checked besides: no
 * secret key's CKA_VALUE is ever returned, and C_GetAttributeValue never
 * claims more bytes than the buffer it was given. */
#include "config.h"

#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api.h"
#include "backend.h"
#include "ck.h"
#include "cmek.h"
#include "entry.h"
#include "err.h"
#include "secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define VAULT "0b7c6f2e-4c53-4a77-9f0c-2b8d5a1e9c11"
/* Test vector V1: key 00..1f, its fingerprint, and a blob of
 * "my-secret-value". */
#define V1_KEY_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define V1_FPR                                                                 \
	"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
static const uint8_t v1_blob[] = {
    0x01, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
    0x0a, 0x0b, 0x2a, 0x7b, 0xfb, 0x68, 0xa0, 0x86, 0xb0, 0x7e, 0xf9,
    0x6c, 0xe1, 0xea, 0xdd, 0x9c, 0x1d, 0x2d, 0xde, 0xe7, 0x4a, 0x58,
    0xf2, 0x0c, 0x5f, 0x74, 0x51, 0x73, 0x11, 0x7c, 0x44, 0x5a, 0xb5,
};

#define MAX_SECRETS 32
#define MAX_OPS	    24
#define MAX_ATTRS   8
#define MAX_HANDLES 64

/* --- the in-memory vault ------------------------------------------------- */

struct mem_secret {
	char path[64];
	uint8_t *value;
	size_t len;
	bool cmek;
	int64_t version;
	char type[32];
};

struct mem_vault {
	bool cmek_on;
	struct mem_secret s[MAX_SECRETS];
	size_t n;
	int serial;
};

static bool want_cmek;

static int m_add(struct mem_vault *v, const char *path, const void *val,
		 size_t len, bool cmek)
{
	struct mem_secret *s = NULL;

	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->s[i].path, path) == 0)
			s = &v->s[i];
	if (!s) {
		if (v->n == MAX_SECRETS || strlen(path) >= sizeof(s->path))
			return OC_ERR_RANGE;
		s = &v->s[v->n++];
		memset(s, 0, sizeof(*s));
		snprintf(s->path, sizeof(s->path), "%s", path);
	}
	oc_secure_free(s->value);
	s->value = oc_secure_dup(val, len);
	if (!s->value)
		return OC_ERR_NOMEM;
	s->len = len;
	s->cmek = cmek;
	s->version++;
	snprintf(s->type, sizeof(s->type), "generic");
	return OC_OK;
}

static void m_meta(const struct mem_vault *v, const struct mem_secret *s,
		   struct oc_secret_meta *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "id-%d", (int)(s - v->s) + 1);
	m->path = strdup(s->path);
	m->metadata = strdup("{\"tags\":[\"fuzz\"]}");
	snprintf(m->type, sizeof(m->type), "%s", s->type);
	m->version = s->version;
	snprintf(m->created_at, sizeof(m->created_at), "2026-01-01T00:00:00Z");
	m->cmek_encrypted = s->cmek;
	m->cmek_known = true;
	if (s->cmek)
		snprintf(m->cmek_fingerprint, sizeof(m->cmek_fingerprint), "%s",
			 V1_FPR);
}

static struct mem_secret *m_find(struct mem_vault *v, const char *vault_id,
				 const char *path)
{
	if (strcmp(vault_id, VAULT) != 0)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->s[i].path, path) == 0)
			return &v->s[i];
	return NULL;
}

static void vault_info(const struct mem_vault *mv, struct oc_vault *v)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->id, sizeof(v->id), "%s", VAULT);
	snprintf(v->name, sizeof(v->name), "fuzz");
	snprintf(v->created_at, sizeof(v->created_at), "2026-01-01T00:00:00Z");
	v->cmek_enabled = mv->cmek_on;
	if (mv->cmek_on)
		snprintf(v->cmek_fingerprint, sizeof(v->cmek_fingerprint), "%s",
			 V1_FPR);
}

static int b_vault_list(void *ctx, struct oc_vault **out, size_t *n)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return OC_ERR_NOMEM;
	vault_info(ctx, *out);
	*n = 1;
	return OC_OK;
}

static int b_vault_get(void *ctx, const char *id, struct oc_vault *out)
{
	if (strcmp(id, VAULT) != 0)
		return OC_ERR_NOT_FOUND;
	vault_info(ctx, out);
	return OC_OK;
}

static int b_secret_list(void *ctx, const char *vault_id, const char *prefix,
			 const struct oc_api_meta_sink *sink)
{
	struct mem_vault *v = ctx;
	int rc = OC_OK;

	if (strcmp(vault_id, VAULT) != 0)
		return OC_ERR_NOT_FOUND;
	for (size_t i = 0; i < v->n && !rc; i++) {
		struct oc_secret_meta m;

		if (prefix &&
		    strncmp(v->s[i].path, prefix, strlen(prefix)) != 0)
			continue;
		m_meta(v, &v->s[i], &m);
		rc = sink->entry(sink->ctx, &m);
		oc_secret_meta_clear(&m);
	}
	return rc;
}

static int b_secret_get(void *ctx, const char *vault_id, const char *path,
			struct oc_secret *out)
{
	struct mem_secret *s = m_find(ctx, vault_id, path);

	if (!s)
		return OC_ERR_NOT_FOUND;
	memset(out, 0, sizeof(*out));
	m_meta(ctx, s, &out->meta);
	out->value = oc_secure_dup(s->value, s->len);
	out->value_len = s->len;
	return out->value ? OC_OK : OC_ERR_NOMEM;
}

static int b_secret_put(void *ctx, const char *vault_id, const char *path,
			const struct oc_secret_put *in,
			struct oc_secret_meta *out)
{
	struct mem_vault *v = ctx;
	struct mem_secret *s;
	int err;

	if (strcmp(vault_id, VAULT) != 0)
		return OC_ERR_NOT_FOUND;
	if (v->cmek_on && !in->value_is_blob)
		abort(); /* plaintext must never leave for a CMEK vault */
	err = m_add(v, path, in->value, in->value_len, in->value_is_blob);
	if (err)
		return err;
	s = m_find(v, vault_id, path);
	if (in->type)
		snprintf(s->type, sizeof(s->type), "%s", in->type);
	m_meta(v, s, out);
	return OC_OK;
}

static int b_secret_delete(void *ctx, const char *vault_id, const char *path)
{
	struct mem_vault *v = ctx;
	struct mem_secret *s = m_find(v, vault_id, path);

	if (!s)
		return OC_ERR_NOT_FOUND;
	oc_secure_free(s->value);
	*s = v->s[--v->n];
	return OC_OK;
}

static int b_login(void *ctx, const char *key, size_t len)
{
	(void)ctx;
	return len == 8 && memcmp(key, "1ck_good", 8) == 0
		   ? OC_OK
		   : OC_ERR_UNAUTHORIZED;
}

static void b_logout(void *ctx)
{
	(void)ctx;
}

static long b_last_status(void *ctx)
{
	(void)ctx;
	return 200;
}

static const char *b_last_error(void *ctx)
{
	(void)ctx;
	return "";
}

static void b_free(void *ctx)
{
	struct mem_vault *v = ctx;

	for (size_t i = 0; i < v->n; i++)
		oc_secure_free(v->s[i].value);
	free(v);
}

static const struct oc_backend_ops mem_ops = {
    .vault_list = b_vault_list,
    .vault_get = b_vault_get,
    .secret_list = b_secret_list,
    .secret_get = b_secret_get,
    .secret_put = b_secret_put,
    .secret_delete = b_secret_delete,
    .login = b_login,
    .logout = b_logout,
    .last_status = b_last_status,
    .last_error = b_last_error,
    .abandon = b_free,
    .free = b_free,
};

static int factory(const struct oc_conf *c, struct oc_backend *out)
{
	struct mem_vault *v = calloc(1, sizeof(*v));

	(void)c;
	if (!v)
		return OC_ERR_NOMEM;
	v->cmek_on = want_cmek;
	if (m_add(v, "db/pass", "hunter2-value", 13, false) ||
	    m_add(v, "bin/data", "\x00\xff\x01\xfe", 4, false) ||
	    m_add(v, "api/key", v1_blob, sizeof(v1_blob), true)) {
		b_free(v);
		return OC_ERR_NOMEM;
	}
	out->ops = &mem_ops;
	out->ctx = v;
	return OC_OK;
}

/* --- reading the input --------------------------------------------------- */

struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct rd *r)
{
	uint8_t b;

	if (!r->n)
		return 0;
	b = *r->p++;
	r->n--;
	return b;
}

static CK_ULONG u32(struct rd *r)
{
	CK_ULONG v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | u8(r);
	return v;
}

static const CK_ATTRIBUTE_TYPE types[] = {
    CKA_CLASS,
    CKA_TOKEN,
    CKA_PRIVATE,
    CKA_LABEL,
    CKA_APPLICATION,
    CKA_VALUE,
    CKA_OBJECT_ID,
    CKA_KEY_TYPE,
    CKA_ID,
    CKA_SENSITIVE,
    CKA_ENCRYPT,
    CKA_DECRYPT,
    CKA_WRAP,
    CKA_UNWRAP,
    CKA_SIGN,
    CKA_VERIFY,
    CKA_DERIVE,
    CKA_VALUE_LEN,
    CKA_EXTRACTABLE,
    CKA_LOCAL,
    CKA_NEVER_EXTRACTABLE,
    CKA_ALWAYS_SENSITIVE,
    CKA_MODIFIABLE,
    CKA_COPYABLE,
    CKA_DESTROYABLE,
    CKA_ALLOWED_MECHANISMS,
    CKA_START_DATE,
    CKA_END_DATE,
    CKA_KEY_GEN_MECHANISM,
    CKA_TRUSTED,
    CKA_WRAP_WITH_TRUSTED,
    CKA_ALWAYS_AUTHENTICATE,
    CKA_ONECLAW_CMEK_ENCRYPTED,
    CKA_ONECLAW_SECRET_TYPE,
    CKA_ONECLAW_VERSION,
    CKA_ONECLAW_SECRET_ID,
    CKA_ONECLAW_CMEK_FINGERPRINT,
    CKA_ONECLAW_EXPIRES_AT,
    CKA_ONECLAW_METADATA,
    CKA_ONECLAW_CMEK_BLOB,
};
#define N_TYPES (sizeof(types) / sizeof(types[0]))

static const char *const labels[] = {"db/pass", "api/key", "bin/data",
				     "new/one", "cmek"};

struct tmpl {
	CK_ATTRIBUTE a[MAX_ATTRS];
	CK_ULONG n;
};

static void tmpl_free(struct tmpl *t)
{
	for (CK_ULONG i = 0; i < t->n; i++)
		free(t->a[i].pValue);
	t->n = 0;
}

static CK_ATTRIBUTE_TYPE read_type(struct rd *r)
{
	uint8_t sel = u8(r);

	return sel < N_TYPES * 4 ? types[sel % N_TYPES] : u32(r);
}

static void *dup_bytes(const void *p, size_t n)
{
	void *c = malloc(n ? n : 1);

	if (!c)
		abort();
	if (n)
		memcpy(c, p, n);
	return c;
}

/* An input template: every value is a heap block of exactly ulValueLen
 * bytes (or NULL, which the module must refuse when the length is not
 * zero). */
static void read_in(struct rd *r, struct tmpl *t)
{
	t->n = u8(r) % (MAX_ATTRS + 1);
	for (CK_ULONG i = 0; i < t->n; i++) {
		CK_ATTRIBUTE *a = &t->a[i];
		uint8_t form = u8(r), x;
		CK_ULONG ul;
		CK_BBOOL b;
		size_t len;

		a->type = read_type(r);
		switch (form >> 5) {
		case 0: /* a CK_ULONG, small: classes, key types */
			ul = u8(r);
			if (ul == 0xff)
				ul = u32(r);
			a->pValue = dup_bytes(&ul, sizeof(ul));
			a->ulValueLen = sizeof(ul);
			break;
		case 1: /* a CK_BBOOL, sometimes neither 0 nor 1 */
			x = u8(r);
			b = x < 0xf0 ? (CK_BBOOL)(x & 1) : x;
			a->pValue = dup_bytes(&b, 1);
			a->ulValueLen = 1;
			break;
		case 2: /* a known label */
			a->pValue = dup_bytes(labels[form % 5],
					      strlen(labels[form % 5]));
			a->ulValueLen = strlen(labels[form % 5]);
			break;
		case 3: /* NULL with a length */
			a->pValue = NULL;
			a->ulValueLen = form & 0x1f;
			break;
		case 4: /* a 32-byte value (an AES-256 key) */
			a->pValue = malloc(32);
			if (!a->pValue)
				abort();
			for (int k = 0; k < 32; k++)
				((uint8_t *)a->pValue)[k] = u8(r);
			a->ulValueLen = 32;
			break;
		default: /* raw bytes from the input */
			len = u8(r) % 65;
			if (len > r->n)
				len = r->n;
			a->pValue = dup_bytes(r->p, len);
			a->ulValueLen = len;
			r->p += len;
			r->n -= len;
			break;
		}
	}
}

/* An output template: a length query (NULL) or a buffer of a size the
 * input picks. */
static void read_out(struct rd *r, struct tmpl *t, size_t *caps)
{
	t->n = u8(r) % (MAX_ATTRS + 1);
	for (CK_ULONG i = 0; i < t->n; i++) {
		uint8_t sz;

		t->a[i].type = read_type(r);
		sz = u8(r);
		if (sz >= 0xc0) {
			t->a[i].pValue = NULL;
			t->a[i].ulValueLen = sz == 0xff ? 0 : 64;
			caps[i] = 0;
		} else {
			caps[i] = sz % 80;
			t->a[i].pValue = malloc(caps[i] ? caps[i] : 1);
			if (!t->a[i].pValue)
				abort();
			memset(t->a[i].pValue, 0xa5, caps[i]);
			t->a[i].ulValueLen = caps[i];
		}
	}
}

/* --- the run ------------------------------------------------------------- */

static CK_FUNCTION_LIST *f;
static char empty_conf[128];
static char scratch[64];

/* The scratch directory goes at exit (not after a crash: then it is
 * evidence). */
static int rm_one(const char *p, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(p);
}

static void cleanup(void)
{
	if (scratch[0])
		nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *fp;

	(void)argc, (void)argv;
	snprintf(scratch, sizeof(scratch), "/tmp/oc-fuzz-attrs.XXXXXX");
	if (!mkdtemp(scratch))
		abort();
	atexit(cleanup);
	snprintf(empty_conf, sizeof(empty_conf), "%s/empty.conf", scratch);
	fp = fopen(empty_conf, "w");
	if (!fp)
		abort();
	fclose(fp);
	unsetenv("ONECLAW_PKCS11_DEBUG");
	unsetenv("ONECLAW_PKCS11_DEBUG_FILE");
	unsetenv("ONECLAW_CMEK_KEY_FILE");
	unsetenv("ONECLAW_TOKEN");
	unsetenv("ONECLAW_AGENT_API_KEY");
	unsetenv("ONECLAW_CREDENTIAL_FILE");
	unsetenv("ONECLAW_BASE_URL");
	setenv("ONECLAW_PKCS11_CONF", empty_conf, 1);
	setenv("ONECLAW_API_URL", "http://127.0.0.1:9", 1);
	setenv("ONECLAW_VAULT_ID", VAULT, 1);
	setenv("ONECLAW_CMEK_KEY", V1_KEY_B64, 1);
	oc_backend_set_factory(factory);
	f = oc_entry_function_list();
	return 0;
}

static CK_OBJECT_HANDLE pick(struct rd *r, const CK_OBJECT_HANDLE *h, size_t nh)
{
	uint8_t sel = u8(r);

	if (sel < 0xf0 && nh)
		return h[sel % nh];
	return sel == 0xff ? u32(r) : (CK_OBJECT_HANDLE)(sel & 0x0f);
}

static void remember(CK_OBJECT_HANDLE *h, size_t *nh, CK_OBJECT_HANDLE x)
{
	if (*nh < MAX_HANDLES)
		h[(*nh)++] = x;
}

static bool is_secret_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	CK_OBJECT_CLASS cls = 0;
	CK_ATTRIBUTE a = {CKA_CLASS, &cls, sizeof(cls)};

	return f->C_GetAttributeValue(s, o, &a, 1) == CKR_OK &&
	       cls == CKO_SECRET_KEY;
}

static void get_attrs(struct rd *r, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	struct tmpl t;
	size_t caps[MAX_ATTRS];
	CK_RV rv;

	read_out(r, &t, caps);
	rv = f->C_GetAttributeValue(s, o, t.n ? t.a : NULL, t.n);
	for (CK_ULONG i = 0; i < t.n; i++) {
		CK_ULONG len = t.a[i].ulValueLen;

		if (len == CK_UNAVAILABLE_INFORMATION)
			continue;
		if (t.a[i].pValue && len > caps[i])
			abort(); /* claims more than it could have written */
		if (rv == CKR_OK || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
		    rv == CKR_ATTRIBUTE_SENSITIVE ||
		    rv == CKR_BUFFER_TOO_SMALL) {
			if (t.a[i].type == CKA_VALUE && t.a[i].pValue &&
			    is_secret_key(s, o))
				abort(); /* a key's bytes came out */
		}
	}
	tmpl_free(&t);
}

/* A heap copy of the next n input bytes (n bounded by what is left). */
static uint8_t *take(struct rd *r, size_t n, size_t *got)
{
	uint8_t *p;

	if (n > r->n)
		n = r->n;
	p = dup_bytes(r->p, n);
	r->p += n;
	r->n -= n;
	*got = n;
	return p;
}

/* An output length: NULL (a length query) or a buffer of exactly the
 * size the input picks. */
static CK_BYTE_PTR out_buf(struct rd *r, CK_ULONG *len)
{
	uint8_t sz = u8(r);

	if (sz == 0xff) {
		*len = 0;
		return NULL;
	}
	*len = sz;
	return malloc(sz ? sz : 1);
}

/* One encryption, decryption, signature or verification with a fuzzed
 * mechanism and parameters, single- or multi-part, with output buffers of
 * fuzzed sizes (the buffer-size protocol under ASan). */
static void crypt_op(struct rd *r, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k)
{
	static const CK_MECHANISM_TYPE mechs[] = {
	    CKM_ONECLAW_CMEK, CKM_AES_GCM,     CKM_SHA256_HMAC,
	    CKM_SHA512_HMAC,  CKM_SHA224_HMAC, CKM_AES_CBC,
	};
	uint8_t kind = u8(r), *iv = NULL, *aad = NULL, *param = NULL;
	uint8_t *in = NULL, *in2 = NULL;
	size_t iv_len = 0, aad_len = 0, plen = 0, n = 0, n2 = 0;
	CK_GCM_PARAMS gcm;
	CK_MECHANISM m;
	CK_BYTE_PTR out;
	CK_ULONG olen;
	CK_RV rv;

	m.mechanism = mechs[(kind >> 2) % 6];
	m.pParameter = NULL;
	m.ulParameterLen = 0;
	if (kind & 0x80) {
		/* CK_GCM_PARAMS with fuzzed lengths (the pointers always
		 * cover what they claim). */
		iv = take(r, u8(r) % 140, &iv_len);
		aad = take(r, u8(r) % 40, &aad_len);
		memset(&gcm, 0, sizeof(gcm));
		gcm.pIv = iv_len ? iv : NULL;
		gcm.ulIvLen = iv_len;
		gcm.ulIvBits = iv_len * 8;
		gcm.pAAD = aad_len ? aad : NULL;
		gcm.ulAADLen = aad_len;
		gcm.ulTagBits = u8(r);
		m.pParameter = &gcm;
		m.ulParameterLen = (kind & 0x40)
				       ? sizeof(gcm)
				       : sizeof(gcm) - sizeof(CK_ULONG);
	} else if (kind & 0x40) {
		param = take(r, u8(r) % 16, &plen);
		m.pParameter = plen ? param : NULL;
		m.ulParameterLen = plen;
	}
	in = take(r, u8(r), &n);
	switch (kind & 3) {
	case 0:
		rv = f->C_EncryptInit(s, &m, k);
		break;
	case 1:
		rv = f->C_DecryptInit(s, &m, k);
		/* Often a real blob of the vault's key. */
		if (rv == CKR_OK && (kind & 0x20) && n == 0) {
			free(in);
			in = dup_bytes(v1_blob, sizeof(v1_blob));
			n = sizeof(v1_blob);
		}
		break;
	case 2:
		rv = f->C_SignInit(s, &m, k);
		break;
	default:
		rv = f->C_VerifyInit(s, &m, k);
		break;
	}
	if (rv != CKR_OK)
		goto out;
	/* Up to three output calls: length queries and short buffers keep
	 * the operation; anything else ends it. */
	for (int tries = 0; tries < 3 && rv == CKR_OK; tries++) {
		bool multi = u8(r) & 1;

		out = out_buf(r, &olen);
		if (!out && olen) {
			rv = CKR_HOST_MEMORY;
			break;
		}
		switch (kind & 3) {
		case 0:
		case 1:
			if (multi) {
				CK_ULONG ul = olen;

				in2 = take(r, u8(r), &n2);
				rv = (kind & 3) == 0
					 ? f->C_EncryptUpdate(s, in2, n2, out,
							      &ul)
					 : f->C_DecryptUpdate(s, in2, n2, out,
							      &ul);
				free(in2);
				in2 = NULL;
				if (rv == CKR_OK && out && ul > olen)
					abort();
				ul = olen;
				rv = (kind & 3) == 0
					 ? f->C_EncryptFinal(s, out, &ul)
					 : f->C_DecryptFinal(s, out, &ul);
				if (rv == CKR_OK && out && ul > olen)
					abort();
			} else {
				CK_ULONG ul = olen;

				rv = (kind & 3) == 0
					 ? f->C_Encrypt(s, in, n, out, &ul)
					 : f->C_Decrypt(s, in, n, out, &ul);
				if (rv == CKR_OK && out && ul > olen)
					abort();
			}
			break;
		case 2: {
			CK_ULONG ul = olen;

			if (multi) {
				rv = f->C_SignUpdate(s, in, n);
				if (rv == CKR_OK)
					rv = f->C_SignFinal(s, out, &ul);
			} else {
				rv = f->C_Sign(s, in, n, out, &ul);
			}
			if (rv == CKR_OK && out && ul > olen)
				abort();
			break;
		}
		default:
			rv = multi ? f->C_VerifyUpdate(s, in, n) : CKR_OK;
			if (rv == CKR_OK)
				rv = multi ? f->C_VerifyFinal(s, out, olen)
					   : f->C_Verify(s, in, n, out, olen);
			break;
		}
		/* Only a short buffer or a length query keeps an operation
		 * going; what is left active meets the next Init (which must
		 * then say CKR_OPERATION_ACTIVE) or C_Finalize. */
		if (rv == CKR_BUFFER_TOO_SMALL ||
		    (rv == CKR_OK && !out && (kind & 3) < 3))
			rv = CKR_OK;
		else
			rv = CKR_CANCEL;
		free(out);
	}
out:
	free(iv);
	free(aad);
	free(param);
	free(in);
}

static void run_ops(struct rd *r, CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE h[MAX_HANDLES], x;
	size_t nh = 0;
	struct tmpl t;
	CK_ULONG ul;
	CK_RV rv;

	remember(h, &nh, CK_INVALID_HANDLE);
	remember(h, &nh, (1ul << 24) | 1);
	for (int op = 0; op < MAX_OPS && r->n; op++) {
		switch (u8(r) % 10) {
		case 0:
			read_in(r, &t);
			x = CK_INVALID_HANDLE;
			rv = f->C_CreateObject(s, t.n ? t.a : NULL, t.n, &x);
			if (rv == CKR_OK)
				remember(h, &nh, x);
			tmpl_free(&t);
			break;
		case 1: {
			CK_ULONG max = u8(r) % 9, count = 0;
			CK_OBJECT_HANDLE *out =
			    malloc(max ? max * sizeof(*out) : 1);

			if (!out)
				abort();
			read_in(r, &t);
			rv = f->C_FindObjectsInit(s, t.n ? t.a : NULL, t.n);
			tmpl_free(&t);
			if (rv == CKR_OK) {
				do {
					rv = f->C_FindObjects(
					    s, max ? out : NULL, max, &count);
					if (rv == CKR_OK && count > max)
						abort();
					for (CK_ULONG i = 0;
					     rv == CKR_OK && i < count; i++)
						remember(h, &nh, out[i]);
				} while (rv == CKR_OK && count && max &&
					 nh < MAX_HANDLES);
				if (f->C_FindObjectsFinal(s) != CKR_OK)
					abort();
			}
			free(out);
			break;
		}
		case 2:
			x = pick(r, h, nh);
			get_attrs(r, s, x);
			break;
		case 3:
			x = pick(r, h, nh);
			read_in(r, &t);
			(void)f->C_SetAttributeValue(s, x, t.n ? t.a : NULL,
						     t.n);
			tmpl_free(&t);
			break;
		case 4:
			x = pick(r, h, nh);
			read_in(r, &t);
			{
				CK_OBJECT_HANDLE y = CK_INVALID_HANDLE;

				if (f->C_CopyObject(s, x, t.n ? t.a : NULL, t.n,
						    &y) == CKR_OK)
					remember(h, &nh, y);
			}
			tmpl_free(&t);
			break;
		case 5:
			(void)f->C_DestroyObject(s, pick(r, h, nh));
			break;
		case 6:
			ul = 0;
			(void)f->C_GetObjectSize(s, pick(r, h, nh), &ul);
			break;
		case 7: {
			CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
			CK_OBJECT_HANDLE y = CK_INVALID_HANDLE;

			x = pick(r, h, nh);
			read_in(r, &t);
			if (f->C_UnwrapKey(s, &m, x, (CK_BYTE_PTR)v1_blob,
					   sizeof(v1_blob), t.n ? t.a : NULL,
					   t.n, &y) == CKR_OK)
				remember(h, &nh, y);
			tmpl_free(&t);
			break;
		}
		case 8:
			crypt_op(r, s, pick(r, h, nh));
			break;
		default: {
			/* A second session's view, then closed again. */
			CK_SESSION_HANDLE s2;

			if (f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL,
					     &s2) == CKR_OK) {
				get_attrs(r, s2, pick(r, h, nh));
				f->C_CloseSession(s2);
			}
			break;
		}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = {data, size};
	CK_C_INITIALIZE_ARGS args;
	CK_SESSION_HANDLE s;
	uint8_t mode = u8(&r);
	CK_RV rv;

	want_cmek = mode & 1;
	if (mode & 2)
		unsetenv("ONECLAW_API_KEY"); /* PIN mode */
	else
		setenv("ONECLAW_API_KEY", "1ck_fuzzcredential0123", 1);
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	args.pReserved = (mode & 4) ? "read_only=true" : NULL;
	rv = f->C_Initialize(&args);
	if (rv != CKR_OK)
		abort();
	if (mode & 8)
		(void)f->C_Login(0, CKU_USER, (CK_UTF8CHAR_PTR) "1ck_good", 8);
	rv = f->C_OpenSession(
	    0, CKF_SERIAL_SESSION | ((mode & 16) ? CKF_RW_SESSION : 0), NULL,
	    NULL, &s);
	if (rv == CKR_OK) {
		if (mode & 8)
			(void)f->C_Login(s, CKU_USER,
					 (CK_UTF8CHAR_PTR) "1ck_good", 8);
		run_ops(&r, s);
	}
	if (f->C_Finalize(NULL) != CKR_OK)
		abort();
	return 0;
}
