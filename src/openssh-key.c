/* openssh-key.c - OpenSSH's openssh-key-v1 private key format. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "openssh-key.h"

static const char header[] = "-----BEGIN OPENSSH PRIVATE KEY-----";

bool oc_openssh_key_is(const uint8_t *in, size_t n)
{
	size_t i = 0;

	if (in == NULL)
		return false;
	while (i < n && (in[i] == ' ' || in[i] == '\t' || in[i] == '\n' ||
			 in[i] == '\r' || in[i] == '\v' || in[i] == '\f'))
		i++;
	return n - i >= sizeof(header) - 1 &&
	       memcmp(in + i, header, sizeof(header) - 1) == 0;
}

int oc_openssh_key_parse(const uint8_t *in, size_t n, EVP_PKEY **out,
			 char *why, size_t why_len)
{
	(void)in;
	(void)n;
	(void)out;
	if (why != NULL && why_len > 0)
		snprintf(why, why_len, "OpenSSH keys are not supported yet");
	return OC_ERR_UNSUPPORTED;
}
