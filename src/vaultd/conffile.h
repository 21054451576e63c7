/* conffile.h - oneclaw-vaultd --config FILE: the command line's long
 * options as "key = value" lines.
 *
 * Each key is the name of a long option that takes a value ('_' may stand
 * for '-': master_key is master-key), and its line is handed to the same
 * function as that option on the command line, so every such option is a
 * key of the file as soon as it is in the table.  Refused, with a message
 * naming FILE:LINE: a key that is no option, an option without a value
 * (an action such as --init belongs on the command line), one the caller
 * keeps to the command line, a key given twice (whatever its spelling), an
 * empty value, a section header; and whatever oc_conf_read_lines refuses
 * (a file writable by group or others, over-long lines or file). */
#ifndef OC_VAULTD_CONFFILE_H
#define OC_VAULTD_CONFFILE_H

struct option;
struct oc_vaultd_conf;

/* The handler of one option: val is the option's val, arg its value, and
 * name how a message names it ("--threads", or "FILE:LINE: threads").
 * OC_OK, or non-zero having reported the problem. */
typedef int (*oc_vaultd_option_fn)(void *ctx, int val, const char *arg,
				   const char *name);

/* Reads path and calls fn for each line, in order.  opts is getopt_long's
 * table (ending with a zeroed entry); command_line_only a NULL-ended list
 * of option names never taken from a file.  The values handed to fn live
 * until oc_vaultd_conf_free(*out), which the caller calls whatever the
 * return.  OC_OK, or OC_ERR_CONFIG once the problem is reported. */
int oc_vaultd_conf_load(const char *path, const struct option *opts,
			const char *const *command_line_only,
			oc_vaultd_option_fn fn, void *ctx,
			struct oc_vaultd_conf **out);
/* NULL-safe. */
void oc_vaultd_conf_free(struct oc_vaultd_conf *c);

#endif
