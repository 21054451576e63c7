/* replay.c - a main() for the fuzz targets in builds without libFuzzer:
 * runs LLVMFuzzerTestOneInput once per file named on the command line,
 * so every build compiles the targets and `make check` replays the seed
 * corpora (tests/fuzz/replay.sh).  Exits 0 when every input ran; a bug
 * aborts, as under the fuzzer. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Defined by the targets that need set-up. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
	struct stat st;
	uint8_t *data;
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (!fp || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		if (fp)
			fclose(fp);
		return 1;
	}
	data = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!data) {
		fclose(fp);
		return 1;
	}
	n = fread(data, 1, (size_t)st.st_size, fp);
	fclose(fp);
	if (n != (size_t)st.st_size) {
		free(data);
		return 1;
	}
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		bad |= run_file(argv[i]);
	printf("%s: %d input(s) replayed\n", argv[0], argc - 1);
	return bad;
}
