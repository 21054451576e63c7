/* delay-relay.c - a loopback TCP relay that holds every chunk it carries
 * for a fixed delay in each direction, so a client on this machine sees
 * the round trip of a distant server (25 ms each way: 50 ms).  Chunks are
 * queued with the time they may leave, so back-to-back chunks are not
 * delayed twice: a pipe with latency, not a slow link.
 *
 *   delay-relay PORT_FILE TARGET_PORT COUNT_FILE [DELAY_MS]
 *
 * Listens on 127.0.0.1, port 0; writes its port to PORT_FILE, and the
 * number of connections accepted so far to COUNT_FILE after each one.
 * Runs until killed.  Two threads per direction: one reads and stamps,
 * one waits out the delay and writes. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

struct chunk {
	struct chunk *next;
	struct timespec due;
	size_t len; /* 0: the reader saw the end */
	char data[];
};

/* One direction: from -> to, a queue of chunks in order. */
struct pipe_dir {
	int from, to;
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct chunk *head, *tail;
};

static long delay_ns = 25L * 1000 * 1000;

static void push(struct pipe_dir *d, struct chunk *c)
{
	pthread_mutex_lock(&d->lock);
	c->next = NULL;
	if (d->tail)
		d->tail->next = c;
	else
		d->head = c;
	d->tail = c;
	pthread_cond_signal(&d->more);
	pthread_mutex_unlock(&d->lock);
}

static struct chunk *pop(struct pipe_dir *d)
{
	struct chunk *c;

	pthread_mutex_lock(&d->lock);
	while (!d->head)
		pthread_cond_wait(&d->more, &d->lock);
	c = d->head;
	d->head = c->next;
	if (!d->head)
		d->tail = NULL;
	pthread_mutex_unlock(&d->lock);
	return c;
}

static void *reader(void *arg)
{
	struct pipe_dir *d = arg;

	for (;;) {
		struct chunk *c = malloc(sizeof(*c) + CHUNK);
		ssize_t n;

		if (!c)
			abort();
		do
			n = read(d->from, c->data, CHUNK);
		while (n < 0 && errno == EINTR);
		clock_gettime(CLOCK_MONOTONIC, &c->due);
		c->due.tv_nsec += delay_ns;
		while (c->due.tv_nsec >= 1000000000L) {
			c->due.tv_nsec -= 1000000000L;
			c->due.tv_sec++;
		}
		c->len = n > 0 ? (size_t)n : 0;
		push(d, c);
		if (n <= 0)
			return NULL;
	}
}

static void *writer(void *arg)
{
	struct pipe_dir *d = arg;

	for (;;) {
		struct chunk *c = pop(d);
		size_t off = 0;
		int done = c->len == 0;

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &c->due,
				       NULL) == EINTR)
			;
		while (off < c->len) {
			ssize_t n = write(d->to, c->data + off, c->len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				done = 1;
				break;
			}
			off += (size_t)n;
		}
		free(c);
		if (done) {
			/* The far side sees the end in its turn. */
			shutdown(d->to, SHUT_WR);
			shutdown(d->from, SHUT_RD);
			return NULL;
		}
	}
}

static void start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (pthread_create(t, &a, fn, arg) != 0)
		abort();
	pthread_attr_destroy(&a);
}

static void relay(int client, int server)
{
	struct pipe_dir *up = calloc(2, sizeof(*up)), *down = up + 1;
	pthread_t t;

	if (!up)
		abort();
	up->from = client;
	up->to = server;
	down->from = server;
	down->to = client;
	for (int i = 0; i < 2; i++) {
		pthread_mutex_init(&up[i].lock, NULL);
		pthread_cond_init(&up[i].more, NULL);
	}
	/* Sockets and queues live as long as the process: a benchmark's
	 * relay sees a handful of connections. */
	start(&t, reader, up);
	start(&t, writer, up);
	start(&t, reader, down);
	start(&t, writer, down);
}

static int write_number(const char *path, long v)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%ld\n", v);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET}, to = a;
	socklen_t alen = sizeof(a);
	long conns = 0;
	int one = 1, ls;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: delay-relay PORT_FILE TARGET_PORT "
				"COUNT_FILE [DELAY_MS]\n");
		return 2;
	}
	if (argc == 5)
		delay_ns = strtol(argv[4], NULL, 10) * 1000L * 1000L;
	signal(SIGPIPE, SIG_IGN);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons((unsigned short)strtoul(argv[2], NULL, 10));
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(ls, 64) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &alen) != 0) {
		perror("delay-relay: listen");
		return 1;
	}
	if (write_number(argv[3], 0) != 0 ||
	    write_number(argv[1], ntohs(a.sin_port)) != 0) {
		perror("delay-relay: writing its files");
		return 1;
	}
	for (;;) {
		int c = accept(ls, NULL, NULL), s;

		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("delay-relay: accept");
			return 1;
		}
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&to, sizeof(to))) {
			perror("delay-relay: connect");
			close(c);
			if (s >= 0)
				close(s);
			continue;
		}
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		write_number(argv[3], ++conns);
		relay(c, s);
	}
}
