/* cmd-agent.c - agent-socket: where an agent reaches its served module.
 *
 * The served deployment (oneclaw-agent@.service) runs `p11-kit server`
 * on the socket RUNTIME_DIR/oneclaw-agent/NAME/pkcs11.  This command
 * prints the P11_KIT_SERVER_ADDRESS for it; with --wait it first waits
 * for the server to make the socket, and with --group it hands the socket
 * to the agent's group (p11-kit server makes it 0711 for its own user,
 * which no other user can connect to).  The unit runs that last step
 * with full privileges on a directory the serving user owns, so the
 * socket is opened without following links and changed through that
 * descriptor only. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd-agent.h"

#include "codec.h"

#define AGENT_NAME_MAX	 64
#define AGENT_WAIT_MAX_S 600
#define SOCKET_NAME	 "pkcs11"

static const char agent_socket_usage[] =
    "Usage: oneclaw-tool agent-socket [--user | --runtime-dir DIR]\n"
    "                                 [--wait SECONDS] [--group GROUP] NAME\n"
    "\n"
    "Prints P11_KIT_SERVER_ADDRESS=unix:path=... for agent NAME's served\n"
    "module (oneclaw-agent@NAME.service): the socket is\n"
    "DIR/oneclaw-agent/NAME/pkcs11, DIR being /run, or $XDG_RUNTIME_DIR\n"
    "with --user (the user unit).  An agent needs nothing else:\n"
    "  env -i P11_KIT_SERVER_ADDRESS=... app --module p11-kit-client.so\n"
    "\n"
    "  --wait SECONDS  wait until the server has made the socket\n"
    "  --group GROUP   give the socket to GROUP, mode 0660 (the units run\n"
    "                  this once the server is up)\n"
    "NAME is 1 to 64 of A-Z a-z 0-9 . _ - (not starting with '.' or '-').\n";

enum { OPT_USER = OC_OPT_CMD_BASE, OPT_RUNTIME_DIR, OPT_WAIT, OPT_GROUP };

static const struct option agent_socket_opts[] = {
    {"user", no_argument, NULL, OPT_USER},
    {"runtime-dir", required_argument, NULL, OPT_RUNTIME_DIR},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"group", required_argument, NULL, OPT_GROUP},
    {NULL, 0, NULL, 0},
};

struct agent_socket_args {
	bool user;
	const char *runtime_dir;
	unsigned long wait_s;
	const char *group;
};

static int agent_socket_opt(struct oc_tool *t, void *ctx, int c,
			    const char *arg)
{
	struct agent_socket_args *a = ctx;

	(void)t;
	switch (c) {
	case OPT_USER:
		a->user = true;
		return 0;
	case OPT_RUNTIME_DIR:
		a->runtime_dir = arg;
		return 0;
	case OPT_WAIT:
		if (oc_decimal_parse(arg, 0, AGENT_WAIT_MAX_S, &a->wait_s))
			return oc_tool_usage("agent-socket",
					     "--wait takes 0 to %d seconds",
					     AGENT_WAIT_MAX_S);
		return 0;
	case OPT_GROUP:
		a->group = arg;
		return 0;
	default:
		return OC_EXIT_USAGE;
	}
}

/* The name becomes a path component and a unit instance: a strict set. */
static bool agent_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > AGENT_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* p11-kit's address form: unix:path= with the path percent-encoded
 * beyond a safe set (p11-kit decodes it). */
static void print_address(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";

	fputs("P11_KIT_SERVER_ADDRESS=unix:path=", stdout);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-", *p))
			putchar(*p);
		else
			printf("%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	putchar('\n');
}

/* The agent's directory, opened without following a link in its last
 * two components (the parts a serving user may own). */
static int open_agent_dir(const char *runtime_dir, const char *name)
{
	int base, top, dir;

	base = open(runtime_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (base < 0)
		return -1;
	top = openat(base, "oneclaw-agent",
		     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(base);
	if (top < 0)
		return -1;
	dir =
	    openat(top, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(top);
	return dir;
}

/* Is fd the socket the server made: a socket (not a link), of the user
 * who owns the agent's directory, under this one name?  A serving user
 * could hard-link another user's socket there (where the kernel lets
 * links to others' files be made). */
static bool servers_socket(int dir, int fd)
{
	struct stat ds, st;

	if (fstat(dir, &ds) != 0 || fstat(fd, &st) != 0)
		return false;
	if (!S_ISSOCK(st.st_mode)) {
		errno = ENOTSOCK;
		return false;
	}
	if (st.st_uid != ds.st_uid || st.st_nlink != 1) {
		errno = EPERM;
		return false;
	}
	return true;
}

/* The socket as an O_PATH descriptor, once it is there (see
 * servers_socket); -1 with errno when it is not there within wait_s. */
static int wait_socket(const char *runtime_dir, const char *name,
		       unsigned long wait_s)
{
	struct timespec step = {0, 50 * 1000 * 1000};
	unsigned long tries = wait_s * 20;

	for (unsigned long i = 0;; i++) {
		int dir = open_agent_dir(runtime_dir, name), fd = -1;
		bool ok = false;

		if (dir >= 0) {
			fd = openat(dir, SOCKET_NAME,
				    O_PATH | O_NOFOLLOW | O_CLOEXEC);
			ok = fd >= 0 && servers_socket(dir, fd);
			close(dir);
		}
		if (fd >= 0) {
			if (ok)
				return fd;
			close(fd);
			return -1;
		}
		if (i >= tries || oc_tool_interrupted)
			return -1;
		nanosleep(&step, NULL);
	}
}

/* chgrp and chmod 0660 through the descriptor: never through a path a
 * serving user could swap for a link meanwhile. */
static int give_to_group(int fd, const char *group, const char *path)
{
	char proc[64];
	struct group *g;

	errno = 0;
	g = getgrnam(group);
	if (!g) {
		oc_tool_err("agent-socket: unknown group '%s'", group);
		return OC_EXIT_FAIL;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (fchownat(fd, "", (uid_t)-1, g->gr_gid, AT_EMPTY_PATH) != 0 ||
	    chmod(proc, 0660) != 0) {
		oc_tool_err("agent-socket: cannot give %s to group %s: %s",
			    path, group, strerror(errno));
		return OC_EXIT_FAIL;
	}
	return OC_EXIT_OK;
}

int oc_cmd_agent_socket(struct oc_tool *t, int argc, char **argv)
{
	struct agent_socket_args a = {0};
	const char *dir, *name;
	char path[4096];
	int r, fd, rc = OC_EXIT_OK;

	r = oc_tool_getopt(t, "agent-socket", agent_socket_usage, argc, argv,
			   agent_socket_opts, agent_socket_opt, &a);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (r >= argc)
		return oc_tool_usage("agent-socket", "give the agent's NAME");
	if (r + 1 < argc)
		return oc_tool_usage("agent-socket", "unexpected argument '%s'",
				     argv[r + 1]);
	name = argv[r];
	if (!agent_name_ok(name))
		return oc_tool_usage("agent-socket",
				     "NAME must be 1 to %d of A-Z a-z 0-9 . _ "
				     "- (not starting with '.' or '-')",
				     AGENT_NAME_MAX);
	if (a.user && a.runtime_dir)
		return oc_tool_usage("agent-socket",
				     "--user and --runtime-dir exclude each "
				     "other");
	dir = a.runtime_dir ? a.runtime_dir
	      : a.user	    ? getenv("XDG_RUNTIME_DIR")
			    : "/run";
	if (!dir || dir[0] != '/') {
		oc_tool_err("agent-socket: %s",
			    a.user ? "XDG_RUNTIME_DIR is not set to a path"
				   : "--runtime-dir must be an absolute path");
		return OC_EXIT_FAIL;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/oneclaw-agent/%s/%s", dir,
			     name, SOCKET_NAME) >= sizeof(path)) {
		oc_tool_err("agent-socket: the runtime directory is too long");
		return OC_EXIT_FAIL;
	}
	if (a.wait_s || a.group) {
		fd = wait_socket(dir, name, a.wait_s);
		if (fd < 0 && errno == EPERM) {
			oc_tool_err("agent-socket: %s is not the server's own "
				    "socket (another owner than its directory, "
				    "or more than one name): refused",
				    path);
			return OC_EXIT_FAIL;
		}
		if (fd < 0) {
			oc_tool_err("agent-socket: no socket at %s%s: %s", path,
				    a.wait_s ? " (the server did not start)"
					     : "",
				    strerror(errno));
			return OC_EXIT_FAIL;
		}
		if (a.group)
			rc = give_to_group(fd, a.group, path);
		close(fd);
	}
	if (rc == OC_EXIT_OK)
		print_address(path);
	return rc;
}
