/* first-secret.c - the time an application waits for its first secret:
 * from C_Initialize to the value of one data object found by label,
 * beside raw libcurl doing the least a client must (the token exchange,
 * the lookup of that path's metadata, the GET of its value) and beside
 * any command (oneclaw-tool secret get), timed from exec to exit.
 * Printed, never asserted; first-secret.sh runs them over a relay that
 * adds a round trip's delay.
 *
 *   first-secret module MODULE LABEL
 *   first-secret curl URL VAULT_ID BEARER_FILE LABEL
 *   first-secret run COMMAND [ARGS...]
 *
 * module: C_Initialize, the first slot, C_OpenSession (C_Login with
 * $FIRST_SECRET_PIN when set), C_FindObjectsInit(CKO_DATA, LABEL),
 * C_FindObjects, C_GetAttributeValue(CKA_VALUE), its length and then its
 * bytes.  curl: POST /v1/auth/api-key-token, GET
 * /v1/vaults/ID/secrets?prefix=LABEL, GET /v1/vaults/ID/secrets/LABEL on
 * one connection.  Each prints "RESULT time_s=T bytes=N" on stdout. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <p11-kit/pkcs11.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what, CK_RV rv)
{
	fprintf(stderr, "first-secret: %s failed: CK_RV 0x%lx\n", what,
		(unsigned long)rv);
	return 1;
}

static int run_module(const char *path, const char *label)
{
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR f = NULL;
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, (void *)label, strlen(label)},
	};
	CK_ATTRIBUTE v = {CKA_VALUE, NULL, 0};
	const char *pin = getenv("FIRST_SECRET_PIN");
	CK_SLOT_ID slot;
	CK_ULONG nslots = 1, n = 0;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	unsigned char *buf;
	double t0, t1;
	CK_RV rv;
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (!dl) {
		fprintf(stderr, "first-secret: %s\n", dlerror());
		return 1;
	}
	get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	if (!get || get(&f) != CKR_OK)
		return die("C_GetFunctionList", CKR_GENERAL_ERROR);

	t0 = now();
	if ((rv = f->C_Initialize(&args)) != CKR_OK)
		return die("C_Initialize", rv);
	rv = f->C_GetSlotList(CK_TRUE, &slot, &nslots);
	if (rv != CKR_OK || nslots < 1)
		return die("C_GetSlotList", rv);
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK)
		return die("C_OpenSession", rv);
	if (pin && (rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin,
				    strlen(pin))) != CKR_OK)
		return die("C_Login", rv);
	if ((rv = f->C_FindObjectsInit(s, t, 2)) != CKR_OK)
		return die("C_FindObjectsInit", rv);
	rv = f->C_FindObjects(s, &h, 1, &n);
	f->C_FindObjectsFinal(s);
	if (rv != CKR_OK || n != 1)
		return die("C_FindObjects (one object)", rv);
	if ((rv = f->C_GetAttributeValue(s, h, &v, 1)) != CKR_OK)
		return die("C_GetAttributeValue(CKA_VALUE) length", rv);
	buf = malloc(v.ulValueLen ? v.ulValueLen : 1);
	if (!buf)
		return die("malloc", CKR_HOST_MEMORY);
	v.pValue = buf;
	if ((rv = f->C_GetAttributeValue(s, h, &v, 1)) != CKR_OK)
		return die("C_GetAttributeValue(CKA_VALUE)", rv);
	t1 = now();
	free(buf);
	f->C_CloseSession(s);
	f->C_Finalize(NULL);
	printf("RESULT time_s=%.4f bytes=%lu\n", t1 - t0,
	       (unsigned long)v.ulValueLen);
	return 0;
}

struct body {
	char data[65536];
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t len = size * nmemb;

	if (b->len + len >= sizeof(b->data))
		return 0;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* GET or POST url into b; 0 when HTTP 200. */
static int fetch(CURL *c, const char *url, struct body *b)
{
	long code = 0;

	b->len = 0;
	b->data[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	if (curl_easy_perform(c) != CURLE_OK)
		return -1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200)
		fprintf(stderr, "first-secret: %s: HTTP %ld\n", url, code);
	return code == 200 ? 0 : -1;
}

/* The string member key of a JSON text (a benchmark's shortcut: the
 * first occurrence, no escapes), into out. */
static int member(const char *json, const char *key, char *out, size_t cap)
{
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(json, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	n = strcspn(p, "\"");
	if (n == 0 || n >= cap)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int run_curl(const char *url, const char *vault, const char *key_file,
		    const char *label)
{
	static struct body b;
	char key[512], post[640], u[4096], hdr[4200], tok[4096], path[1100];
	struct curl_slist *json = NULL, *auth = NULL;
	double t0, t1;
	char *esc;
	FILE *kf = fopen(key_file, "r");
	CURL *c;

	if (!kf || !fgets(key, sizeof(key), kf)) {
		fprintf(stderr, "first-secret: cannot read %s\n", key_file);
		return 1;
	}
	fclose(kf);
	key[strcspn(key, "\r\n")] = '\0';
	snprintf(post, sizeof(post), "{\"api_key\":\"%s\"}", key);

	t0 = now();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	json = curl_slist_append(NULL, "Content-Type: application/json");
	if (!c || !json)
		return 1;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	snprintf(u, sizeof(u), "%s/v1/auth/api-key-token", url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, json);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	if (fetch(c, u, &b) || member(b.data, "access_token", tok, sizeof(tok)))
		return 1;
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", tok);
	auth = curl_slist_append(NULL, hdr);
	if (!auth)
		return 1;
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, auth);
	esc = curl_easy_escape(c, label, 0);
	snprintf(u, sizeof(u), "%s/v1/vaults/%s/secrets?prefix=%s", url, vault,
		 esc ? esc : "");
	curl_free(esc);
	/* The lookup: the exact path must be among the answer's paths. */
	snprintf(path, sizeof(path), "\"path\":\"%s\"", label);
	if (fetch(c, u, &b) || !strstr(b.data, path))
		return 1;
	snprintf(u, sizeof(u), "%s/v1/vaults/%s/secrets/%s", url, vault, label);
	if (fetch(c, u, &b) || member(b.data, "value", path, sizeof(path)))
		return 1;
	t1 = now();
	curl_easy_cleanup(c);
	curl_slist_free_all(json);
	curl_slist_free_all(auth);
	curl_global_cleanup();
	printf("RESULT time_s=%.4f bytes=%zu\n", t1 - t0, strlen(path));
	return 0;
}

static int run_command(char **argv)
{
	double t0 = now(), t1;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		/* The value goes nowhere: a benchmark prints no secret. */
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "first-secret: %s failed\n", argv[0]);
		return 1;
	}
	t1 = now();
	printf("RESULT time_s=%.4f\n", t1 - t0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "module") == 0)
		return run_module(argv[2], argv[3]);
	if (argc == 6 && strcmp(argv[1], "curl") == 0)
		return run_curl(argv[2], argv[3], argv[4], argv[5]);
	if (argc >= 3 && strcmp(argv[1], "run") == 0)
		return run_command(argv + 2);
	fprintf(stderr, "usage: first-secret module MODULE LABEL\n"
			"       first-secret curl URL VAULT BEARER_FILE LABEL\n"
			"       first-secret run COMMAND [ARGS...]\n");
	return 2;
}
