/* module-find.c - finding every object of a large vault through the module
 * and reading values, beside raw libcurl doing the same HTTP requests (one
 * list, then one GET per value, over one kept-alive connection).  Printed,
 * never asserted; the script runs both in the same run and prints ratios.
 *
 *   module-find module MODULE NREAD
 *   module-find curl URL VAULT_ID BEARER_FILE PREFIX NREAD
 *
 * module: C_Initialize, the slot, C_FindObjects with an empty template
 * until done, then CKA_VALUE of the first NREAD data objects.  curl: from
 * curl_global_init on (the module's C_Initialize sets libcurl up too), what
 * the module sends: POST /v1/auth/api-key-token with the key in
 * BEARER_FILE, then with that token GET /v1/vaults/ID/secrets, parsed as
 * it arrives with yajl's callback parser (each entry's "path" counted,
 * nothing kept), then GET .../secrets/PREFIX%05d for i < NREAD.
 * Both print one line "RESULT objects=N read=M find_s=F read_s=R total_s=T
 * rss_kb=K [connects=C]" on stdout; K is the growth of the peak resident
 * memory from before C_Initialize (or the first request) to the end of
 * the find. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <p11-kit/pkcs11.h>
#include <yajl/yajl_parse.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A field of /proc/self/status in kB (VmHWM, VmRSS). */
static long status_kb(const char *name)
{
	char line[256];
	size_t n = strlen(name);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static long parse_count(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > 1000000) {
		fprintf(stderr, "module-find: bad count %s\n", s);
		exit(2);
	}
	return v;
}

static void die(const char *what, CK_RV rv)
{
	fprintf(stderr, "module-find: %s failed: CK_RV 0x%lx\n", what,
		(unsigned long)rv);
	exit(1);
}

static int run_module(const char *path, long nread)
{
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR f = NULL;
	CK_C_INITIALIZE_ARGS args;
	CK_SLOT_ID slot;
	CK_ULONG nslots = 1, n, total = 0;
	CK_SESSION_HANDLE sess;
	CK_OBJECT_HANDLE *objs = NULL, batch[256];
	size_t cap = 0, nobj = 0, i;
	long read = 0, rss0, hwm;
	double t0, t1, t2;
	CK_RV rv;
	void *dl;

	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		fprintf(stderr, "module-find: %s\n", dlerror());
		return 1;
	}
	get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	if (get == NULL || get(&f) != CKR_OK)
		die("C_GetFunctionList", CKR_GENERAL_ERROR);
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;

	rss0 = status_kb("VmRSS");
	t0 = now();
	rv = f->C_Initialize(&args);
	if (rv != CKR_OK)
		die("C_Initialize", rv);
	rv = f->C_GetSlotList(CK_TRUE, &slot, &nslots);
	if (rv != CKR_OK || nslots < 1)
		die("C_GetSlotList", rv);
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &sess);
	if (rv != CKR_OK)
		die("C_OpenSession", rv);
	rv = f->C_FindObjectsInit(sess, NULL, 0);
	if (rv != CKR_OK)
		die("C_FindObjectsInit", rv);
	for (;;) {
		n = 0;
		rv = f->C_FindObjects(sess, batch, 256, &n);
		if (rv != CKR_OK)
			die("C_FindObjects", rv);
		if (n == 0)
			break;
		if (nobj + n > cap) {
			cap = cap ? cap * 2 : 1024;
			objs = realloc(objs, cap * sizeof(*objs));
			if (objs == NULL)
				die("realloc", CKR_HOST_MEMORY);
		}
		memcpy(objs + nobj, batch, n * sizeof(*objs));
		nobj += n;
		total += n;
	}
	f->C_FindObjectsFinal(sess);
	t1 = now();
	hwm = status_kb("VmHWM");

	for (i = 0; i < nobj && read < nread; i++) {
		CK_OBJECT_CLASS cls;
		CK_ATTRIBUTE a = {CKA_CLASS, &cls, sizeof(cls)};
		CK_ATTRIBUTE v = {CKA_VALUE, NULL, 0};
		unsigned char *buf;

		if (f->C_GetAttributeValue(sess, objs[i], &a, 1) != CKR_OK ||
		    cls != CKO_DATA)
			continue;
		rv = f->C_GetAttributeValue(sess, objs[i], &v, 1);
		if (rv != CKR_OK)
			die("C_GetAttributeValue(CKA_VALUE) length", rv);
		buf = malloc(v.ulValueLen ? v.ulValueLen : 1);
		if (buf == NULL)
			die("malloc", CKR_HOST_MEMORY);
		v.pValue = buf;
		rv = f->C_GetAttributeValue(sess, objs[i], &v, 1);
		free(buf);
		if (rv != CKR_OK)
			die("C_GetAttributeValue(CKA_VALUE)", rv);
		read++;
	}
	t2 = now();
	f->C_CloseSession(sess);
	f->C_Finalize(NULL);
	free(objs);
	printf("RESULT objects=%lu read=%ld find_s=%.4f read_s=%.4f "
	       "total_s=%.4f rss_kb=%ld\n",
	       (unsigned long)total, read, t1 - t0, t2 - t1, t2 - t0,
	       hwm - rss0);
	return 0;
}

/* A list body, parsed as it arrives: the "path" members of the entries
 * (map depth 2: the answer, then an entry) are counted. */
struct list_parse {
	yajl_handle y;
	int depth;
	int at_path;
	size_t items;
	int failed;
};

static int lp_start_map(void *ctx)
{
	((struct list_parse *)ctx)->depth++;
	return 1;
}

static int lp_end_map(void *ctx)
{
	((struct list_parse *)ctx)->depth--;
	return 1;
}

static int lp_key(void *ctx, const unsigned char *k, size_t n)
{
	struct list_parse *l = ctx;

	l->at_path = l->depth == 2 && n == 4 && memcmp(k, "path", 4) == 0;
	return 1;
}

static int lp_string(void *ctx, const unsigned char *s, size_t n)
{
	struct list_parse *l = ctx;

	(void)s;
	(void)n;
	if (l->at_path)
		l->items++;
	l->at_path = 0;
	return 1;
}

static const yajl_callbacks lp_callbacks = {
    .yajl_start_map = lp_start_map,
    .yajl_end_map = lp_end_map,
    .yajl_map_key = lp_key,
    .yajl_string = lp_string,
};

static size_t on_list(char *p, size_t size, size_t nmemb, void *arg)
{
	struct list_parse *l = arg;
	size_t len = size * nmemb;

	if (yajl_parse(l->y, (const unsigned char *)p, len) != yajl_status_ok) {
		l->failed = 1;
		return 0;
	}
	return len;
}

struct sink {
	char *keep; /* when set, the body is kept here (bounded) */
	size_t keep_len, keep_cap;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t len = size * nmemb;

	if (s->keep != NULL && s->keep_len + len < s->keep_cap) {
		memcpy(s->keep + s->keep_len, p, len);
		s->keep_len += len;
		s->keep[s->keep_len] = '\0';
	}
	return len;
}

/* The "access_token" string of a token response, into out. */
static int token_of(const char *body, char *out, size_t len)
{
	const char *p = strstr(body, "\"access_token\"");
	size_t n;

	if (p == NULL || (p = strchr(p + 14, '"')) == NULL)
		return -1;
	p++;
	n = strcspn(p, "\"");
	if (p[n] != '"' || n == 0 || n >= len)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int run_curl(const char *url, const char *vault, const char *bearer_file,
		    const char *prefix, long nread)
{
	char bearer[512], hdr[4200], u[1024], body[600], tok[4096];
	char resp[8192];
	struct curl_slist *h = NULL, *jh = NULL;
	struct sink vals = {0}, tr = {0};
	struct list_parse list = {0};
	long code = 0, connects, total_connects = 0, i, rss0, hwm;
	double t0, t1, t2;
	FILE *bf;
	CURL *c;
	size_t blen;

	bf = fopen(bearer_file, "r");
	if (bf == NULL || fgets(bearer, sizeof(bearer), bf) == NULL) {
		fprintf(stderr, "module-find: cannot read %s\n", bearer_file);
		return 1;
	}
	fclose(bf);
	blen = strcspn(bearer, "\r\n");
	bearer[blen] = '\0';
	snprintf(body, sizeof(body), "{\"api_key\":\"%s\"}", bearer);

	/* From libcurl's set-up on, as the module's C_Initialize does it. */
	rss0 = status_kb("VmRSS");
	t0 = now();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	jh = curl_slist_append(jh, "Content-Type: application/json");
	if (c == NULL || jh == NULL)
		return 1;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);

	/* The token exchange, as the module does it. */
	tr.keep = resp;
	tr.keep_cap = sizeof(resp);
	snprintf(u, sizeof(u), "%s/v1/auth/api-key-token", url);
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, jh);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &tr);
	if (curl_easy_perform(c) != CURLE_OK)
		return 1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
	total_connects += connects;
	if (code != 200 || token_of(resp, tok, sizeof(tok)) != 0) {
		fprintf(stderr, "module-find: token exchange gave HTTP %ld\n",
			code);
		return 1;
	}
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", tok);
	h = curl_slist_append(h, hdr);
	if (h == NULL)
		return 1;
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);

	snprintf(u, sizeof(u), "%s/v1/vaults/%s/secrets", url, vault);
	curl_easy_setopt(c, CURLOPT_URL, u);
	list.y = yajl_alloc(&lp_callbacks, NULL, &list);
	if (list.y == NULL)
		return 1;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_list);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &list);
	if (curl_easy_perform(c) != CURLE_OK ||
	    yajl_complete_parse(list.y) != yajl_status_ok || list.failed) {
		fprintf(stderr, "module-find: the list did not parse\n");
		return 1;
	}
	yajl_free(list.y);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
	total_connects += connects;
	if (code != 200) {
		fprintf(stderr, "module-find: list gave HTTP %ld\n", code);
		return 1;
	}
	t1 = now();
	hwm = status_kb("VmHWM");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &vals);
	for (i = 0; i < nread; i++) {
		snprintf(u, sizeof(u), "%s/v1/vaults/%s/secrets/%s%05ld", url,
			 vault, prefix, i);
		curl_easy_setopt(c, CURLOPT_URL, u);
		if (curl_easy_perform(c) != CURLE_OK)
			return 1;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
		total_connects += connects;
		if (code != 200) {
			fprintf(stderr, "module-find: GET %s gave HTTP %ld\n",
				u, code);
			return 1;
		}
	}
	t2 = now();
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	curl_slist_free_all(jh);
	curl_global_cleanup();
	printf("RESULT objects=%zu read=%ld find_s=%.4f read_s=%.4f "
	       "total_s=%.4f rss_kb=%ld connects=%ld\n",
	       list.items, nread, t1 - t0, t2 - t1, t2 - t0, hwm - rss0,
	       total_connects);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "module") == 0)
		return run_module(argv[2], parse_count(argv[3]));
	if (argc == 7 && strcmp(argv[1], "curl") == 0)
		return run_curl(argv[2], argv[3], argv[4], argv[5],
				parse_count(argv[6]));
	fprintf(stderr, "usage: module-find module MODULE NREAD\n"
			"       module-find curl URL VAULT BEARER_FILE PREFIX "
			"NREAD\n");
	return 2;
}
