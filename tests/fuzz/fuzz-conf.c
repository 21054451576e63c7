/* fuzz-conf.c - the configuration parser: the input as a config file
 * (a 0600 temp file through oc_conf_load_file) and as p11-kit's reserved
 * string (oc_conf_load with ONECLAW_PKCS11_CONF naming an empty file and
 * no other ONECLAW_* variable set).  On failure the struct must be left
 * zeroed and the message NUL-terminated; on success it must free. */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char scratch[64];
static char conf_path[128];
static char empty_path[128];
extern char **environ;

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
	int fd;

	(void)argc, (void)argv;
	snprintf(scratch, sizeof(scratch), "/tmp/oc-fuzz-conf.XXXXXX");
	if (!mkdtemp(scratch))
		abort();
	atexit(cleanup);
	snprintf(conf_path, sizeof(conf_path), "%s/pkcs11.conf", scratch);
	snprintf(empty_path, sizeof(empty_path), "%s/empty.conf", scratch);
	fd = open(empty_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	close(fd);
	/* Only the input decides: no variable of ours from outside. */
	for (;;) {
		char **e;
		char name[256];

		for (e = environ; *e; e++)
			if (strncmp(*e, "ONECLAW_", 8) == 0)
				break;
		if (!*e)
			break;
		snprintf(name, sizeof(name), "%.*s",
			 (int)(strchr(*e, '=') ? strchr(*e, '=') - *e : 0), *e);
		if (!name[0] || unsetenv(name) != 0)
			abort();
	}
	setenv("ONECLAW_PKCS11_CONF", empty_path, 1);
	return 0;
}

static void check_failed(const struct oc_conf *c, const char *errbuf,
			 size_t errlen)
{
	static const struct oc_conf zero;

	if (memcmp(c, &zero, sizeof(zero)) != 0)
		abort(); /* "left freed-and-zeroed" */
	if (!memchr(errbuf, '\0', errlen))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oc_conf c;
	char errbuf[512];
	char *reserved;
	int fd, rc;

	if (size > OC_CONF_MAX_FILE + 16)
		return 0;
	fd = open(conf_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	chmod(conf_path, 0600);

	memset(&c, 0x5a, sizeof(c));
	memset(errbuf, 'x', sizeof(errbuf));
	rc = oc_conf_load_file(&c, conf_path, errbuf, sizeof(errbuf));
	if (rc)
		check_failed(&c, errbuf, sizeof(errbuf));
	else
		oc_conf_free(&c);

	/* The reserved string: a C string, as init.c bounds it. */
	if (size > OC_CONF_MAX_LINE)
		return 0;
	reserved = malloc(size + 1);
	if (!reserved)
		return 0;
	if (size)
		memcpy(reserved, data, size);
	reserved[size] = '\0';
	memset(&c, 0x5a, sizeof(c));
	memset(errbuf, 'x', sizeof(errbuf));
	rc = oc_conf_load(&c, reserved, errbuf, sizeof(errbuf));
	if (rc)
		check_failed(&c, errbuf, sizeof(errbuf));
	else
		oc_conf_free(&c);
	free(reserved);
	return 0;
}
