/* json.c - bounded JSON parsing into a small tree, and generation, through
 * yajl, with every allocation wiped on free.
 *
 * Every block (yajl's own buffers and the tree) comes from walloc(), which
 * records its size in a header so wfree() can wipe it: a response that
 * carried a secret leaves no copy behind.  Numbers arrive as text (the
 * yajl_number callback) so that integers are parsed exactly and any other
 * number can be written back byte for byte. */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <yajl/yajl_parse.h>

#include "err.h"
#include "json.h"
#include "log.h"

#define HDR 16u

struct member {
	char *key; /* NULL in arrays */
	size_t key_len;
	struct oc_json *val;
};

struct oc_json {
	enum oc_json_type type;
	union {
		bool b;
		int64_t i;
		struct {
			double d;
			char *text; /* as received, for writing back */
			size_t text_len;
		} num;
		struct {
			char *s; /* NUL-terminated; may hold NULs */
			size_t len;
		} str;
		struct {
			struct member *m;
			size_t n, cap;
		} c;
	} u;
};

/* --- wiping allocator ------------------------------------------------- */

static void *walloc(size_t n)
{
	unsigned char *p;

	if (n > SIZE_MAX - HDR)
		return NULL;
	p = malloc(n + HDR);
	if (p == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + HDR;
}

static void wfree(void *q)
{
	unsigned char *p;
	size_t n;

	if (q == NULL)
		return;
	p = (unsigned char *)q - HDR;
	memcpy(&n, p, sizeof(n));
	OPENSSL_cleanse(p, n + HDR);
	free(p);
}

static void *wrealloc(void *q, size_t n)
{
	unsigned char *p;
	size_t old;

	if (q == NULL)
		return walloc(n);
	p = walloc(n);
	if (p == NULL)
		return NULL;
	memcpy(&old, (unsigned char *)q - HDR, sizeof(old));
	memcpy(p, q, old < n ? old : n);
	wfree(q);
	return p;
}

static void *y_malloc(void *ctx, size_t n)
{
	(void)ctx;
	return walloc(n);
}

static void y_free(void *ctx, void *p)
{
	(void)ctx;
	wfree(p);
}

static void *y_realloc(void *ctx, void *p, size_t n)
{
	(void)ctx;
	return wrealloc(p, n);
}

static yajl_alloc_funcs wipe_funcs = {y_malloc, y_realloc, y_free, NULL};

static char *wdup(const void *s, size_t n)
{
	char *d;

	if (n == SIZE_MAX)
		return NULL;
	d = walloc(n + 1);
	if (d == NULL)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* --- per-item arena ---------------------------------------------------- */

/* A streamed item's tree lives in blocks of its own that are wiped and
 * reused for the next item, instead of a malloc and a wiping free per
 * node, key and string. */
struct arena_block {
	struct arena_block *next;
	size_t cap, used;
	/* malloc's alignment, kept by every piece handed out. */
	_Alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct arena_block *head;
};

#define ARENA_ALIGN ((size_t) _Alignof(max_align_t))
#define ARENA_FIRST 4096u

static void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	void *p;

	if (n > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (!b || b->cap - b->used < n) {
		size_t cap = b ? b->cap : ARENA_FIRST;

		while (cap < n && cap <= SIZE_MAX / 4)
			cap *= 2;
		if (cap < n || cap > SIZE_MAX - sizeof(*b))
			return NULL;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = a->head;
		b->cap = cap;
		b->used = 0;
		a->head = b;
	}
	p = b->data + b->used;
	b->used += n;
	return p;
}

/* Wipes what the item held; keeps the newest (largest) block. */
static void arena_reset(struct arena *a)
{
	struct arena_block *b = a->head, *next;

	for (; b; b = next) {
		next = b->next;
		OPENSSL_cleanse(b->data, b->used);
		b->used = 0;
		if (b != a->head)
			free(b);
	}
	if (a->head)
		a->head->next = NULL;
}

static void arena_free(struct arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
}

/* --- tree -------------------------------------------------------------- */

static void node_free(struct oc_json *j)
{
	size_t i;

	if (j == NULL)
		return;
	switch (j->type) {
	case OC_JSON_STRING:
		wfree(j->u.str.s);
		break;
	case OC_JSON_DOUBLE:
		wfree(j->u.num.text);
		break;
	case OC_JSON_OBJECT:
	case OC_JSON_ARRAY:
		for (i = 0; i < j->u.c.n; i++) {
			wfree(j->u.c.m[i].key);
			node_free(j->u.c.m[i].val);
		}
		wfree(j->u.c.m);
		break;
	default:
		break;
	}
	wfree(j);
}

void oc_json_free(struct oc_json *j)
{
	node_free(j);
}

struct pctx {
	struct oc_json *root;
	struct oc_json *stack[OC_JSON_MAX_DEPTH];
	size_t depth;
	char *key; /* pending object key */
	size_t key_len;
	size_t nodes;
	size_t max_nodes;
	size_t bytes;	  /* text held: strings, keys, numbers */
	size_t max_bytes; /* 0: no bound but the document's size */
	int err;
	struct arena *arena; /* NULL: every block its own (walloc) */
};

static void *palloc(struct pctx *p, size_t n)
{
	return p->arena ? arena_alloc(p->arena, n) : walloc(n);
}

static void pfree(struct pctx *p, void *q)
{
	if (!p->arena)
		wfree(q);
}

static char *pdup(struct pctx *p, const void *s, size_t n)
{
	char *d;

	if (!p->arena)
		return wdup(s, n);
	if (n == SIZE_MAX)
		return NULL;
	d = arena_alloc(p->arena, n + 1);
	if (d == NULL)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* A container's members grown from old to n bytes. */
static void *pgrow(struct pctx *p, void *q, size_t old, size_t n)
{
	void *d;

	if (!p->arena)
		return wrealloc(q, n);
	d = arena_alloc(p->arena, n);
	if (d && old)
		memcpy(d, q, old < n ? old : n);
	return d;
}

/* Counts n more bytes of text held; false past the bound. */
static bool hold(struct pctx *p, size_t n)
{
	p->bytes += n;
	if (p->max_bytes && p->bytes > p->max_bytes) {
		p->err = OC_ERR_RANGE;
		return false;
	}
	return true;
}

/* Links a new node of the given type into the tree (the root, or the
 * current container under the pending key). */
static struct oc_json *add(struct pctx *p, enum oc_json_type t)
{
	struct oc_json *j, *parent;
	struct member *m;
	size_t cap;

	if (++p->nodes > p->max_nodes) {
		p->err = OC_ERR_RANGE;
		return NULL;
	}
	j = palloc(p, sizeof(*j));
	if (j == NULL)
		goto nomem;
	memset(j, 0, sizeof(*j));
	j->type = t;
	if (p->depth == 0) {
		p->root = j;
		return j;
	}
	parent = p->stack[p->depth - 1];
	if (parent->u.c.n == parent->u.c.cap) {
		cap = parent->u.c.cap ? parent->u.c.cap * 2 : 4;
		m = pgrow(p, parent->u.c.m, parent->u.c.cap * sizeof(*m),
			  cap * sizeof(*m));
		if (m == NULL) {
			pfree(p, j);
			goto nomem;
		}
		parent->u.c.m = m;
		parent->u.c.cap = cap;
	}
	m = &parent->u.c.m[parent->u.c.n++];
	m->key = p->key;
	m->key_len = p->key_len;
	m->val = j;
	p->key = NULL;
	p->key_len = 0;
	return j;
nomem:
	p->err = OC_ERR_NOMEM;
	return NULL;
}

static int cb_null(void *ctx)
{
	return add(ctx, OC_JSON_NULL) != NULL;
}

static int cb_bool(void *ctx, int v)
{
	struct oc_json *j = add(ctx, OC_JSON_BOOL);

	if (j == NULL)
		return 0;
	j->u.b = v != 0;
	return 1;
}

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static int cb_number(void *ctx, const char *s, size_t n)
{
	struct pctx *p = ctx;
	char tmp[64], *end = NULL, *text;
	struct oc_json *j;
	long long v;
	size_t i;
	int integral = 1;

	if (!hold(p, n))
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
			integral = 0;
	if (integral && n < sizeof(tmp)) {
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		errno = 0;
		v = strtoll(tmp, &end, 10);
		if (errno == 0 && end == tmp + n) {
			j = add(p, OC_JSON_INT);
			if (j == NULL)
				return 0;
			j->u.i = v;
			return 1;
		}
	}
	/* Fractions, exponents and integers past int64 stay doubles, with
	 * their text kept for an exact round trip.  The node first: the text
	 * then belongs to the tree from the moment it exists. */
	pthread_once(&c_locale_once, make_c_locale);
	j = add(p, OC_JSON_DOUBLE);
	if (j == NULL)
		return 0;
	text = pdup(p, s, n);
	if (text == NULL) {
		p->err = OC_ERR_NOMEM;
		return 0;
	}
	j->u.num.text = text;
	j->u.num.text_len = n;
	j->u.num.d =
	    c_locale ? strtod_l(text, NULL, c_locale) : strtod(text, NULL);
	return 1;
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
	struct pctx *p = ctx;
	struct oc_json *j;
	char *d;

	if (!hold(p, n))
		return 0;
	d = pdup(p, s, n);
	if (d == NULL) {
		p->err = OC_ERR_NOMEM;
		return 0;
	}
	j = add(p, OC_JSON_STRING);
	if (j == NULL) {
		pfree(p, d);
		return 0;
	}
	j->u.str.s = d;
	j->u.str.len = n;
	return 1;
}

static int push(struct pctx *p, enum oc_json_type t)
{
	struct oc_json *j;

	if (p->depth >= OC_JSON_MAX_DEPTH) {
		p->err = OC_ERR_RANGE;
		return 0;
	}
	j = add(p, t);
	if (j == NULL)
		return 0;
	p->stack[p->depth++] = j;
	return 1;
}

static int cb_start_map(void *ctx)
{
	return push(ctx, OC_JSON_OBJECT);
}

static int cb_start_array(void *ctx)
{
	return push(ctx, OC_JSON_ARRAY);
}

static int cb_end(void *ctx)
{
	struct pctx *p = ctx;

	if (p->depth == 0) {
		p->err = OC_ERR_INTERNAL;
		return 0;
	}
	p->depth--;
	return 1;
}

/* A key with a NUL in it would read as a shorter key to every caller
 * that sees keys as C strings ("items\u0000" as "items"): the document
 * is refused, by the tree and the stream alike. */
static bool key_has_nul(const unsigned char *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t n)
{
	struct pctx *p = ctx;

	if (key_has_nul(s, n)) {
		p->err = OC_ERR_PARSE;
		return 0;
	}
	if (!hold(p, n))
		return 0;
	pfree(p, p->key);
	p->key = pdup(p, s, n);
	p->key_len = n;
	if (p->key == NULL) {
		p->err = OC_ERR_NOMEM;
		return 0;
	}
	return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_bool,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

int oc_json_parse(const char *text, size_t len, struct oc_json **out)
{
	return oc_json_parse_limited(text, len, OC_JSON_MAX_NODES, out);
}

int oc_json_parse_limited(const char *text, size_t len, size_t max_nodes,
			  struct oc_json **out)
{
	struct pctx p;
	yajl_handle h = NULL;
	yajl_status st;
	int rc = OC_ERR_ARGS;

	memset(&p, 0, sizeof(p));
	p.max_nodes =
	    max_nodes < OC_JSON_MAX_NODES ? max_nodes : OC_JSON_MAX_NODES;
	if ((text == NULL && len != 0) || out == NULL)
		goto out;
	rc = OC_ERR_RANGE;
	if (len > OC_JSON_MAX_TEXT)
		goto out;
	rc = OC_ERR_NOMEM;
	h = yajl_alloc(&callbacks, &wipe_funcs, &p);
	if (h == NULL)
		goto out;
	st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st != yajl_status_ok || p.root == NULL || p.depth != 0) {
		rc = p.err ? p.err : OC_ERR_PARSE;
		/* Never log yajl's message: it quotes the input. */
		oc_debug(OC_LOG_JSON,
			 "%zu-byte document rejected at byte %zu: %s", len,
			 yajl_get_bytes_consumed(h), oc_strerror(rc));
		goto out;
	}
	*out = p.root;
	p.root = NULL;
	rc = OC_OK;
out:
	if (h != NULL)
		yajl_free(h);
	wfree(p.key);
	node_free(p.root);
	return rc;
}

/* --- streaming: the items of one array member, one at a time ------------ */

/* The document is { ..., "<member>": [item, ...], ... }.  Only the items
 * are built, each as its own tree within the item bounds, handed to
 * on_item and freed; everything else is checked and dropped.  An item over
 * its bounds is skipped whole (counted in skipped), not fatal. */
struct oc_json_stream {
	yajl_handle h;
	struct pctx p; /* the item being built, in arena */
	struct arena arena;
	char *member;
	size_t member_len;
	oc_json_item_fn on_item;
	void *ctx;
	size_t max_nodes, max_bytes;
	size_t outer;	    /* depth in the enclosing document */
	bool key_is_member; /* the outer key just read names the member */
	bool in_items;	    /* inside the member's array */
	bool found;
	size_t skip; /* depth still open in an item being skipped */
	size_t skipped;
	size_t since_item; /* text fed since the last item ended */
	int err;
};

static bool stream_at_items(const struct oc_json_stream *s)
{
	return s->p.depth > 0 || (s->in_items && s->outer == 2);
}

static void stream_item_reset(struct oc_json_stream *s)
{
	arena_reset(&s->arena);
	s->p.arena = &s->arena;
	s->p.root = NULL;
	s->p.key = NULL;
	s->p.key_len = 0;
	s->p.depth = 0;
	s->p.nodes = 0;
	s->p.bytes = 0;
	s->p.err = 0;
	s->since_item = 0;
}

static int stream_deliver(struct oc_json_stream *s)
{
	int rc = s->on_item(s->ctx, s->p.root);

	stream_item_reset(s);
	if (rc) {
		s->err = rc;
		return 0;
	}
	return 1;
}

/* A tree callback failed while building an item: past its bounds, the
 * item is skipped (opened: the failed callback opened a container). */
static int stream_item_failed(struct oc_json_stream *s, bool opened)
{
	size_t open = s->p.depth + (opened ? 1 : 0);

	if (s->p.err != OC_ERR_RANGE) {
		s->err = s->p.err ? s->p.err : OC_ERR_INTERNAL;
		return 0;
	}
	stream_item_reset(s);
	s->skipped++;
	s->skip = open;
	return 1;
}

/* After a scalar: an item of its own, or the end of one. */
static int stream_scalar_done(struct oc_json_stream *s, int ok)
{
	if (!ok)
		return stream_item_failed(s, false);
	return s->p.depth == 0 ? stream_deliver(s) : 1;
}

/* A scalar outside the items.  "<member>": null is an empty list. */
static int stream_outer_scalar(struct oc_json_stream *s, bool is_null)
{
	bool was_member = s->outer == 1 && s->key_is_member;

	s->key_is_member = false;
	if (s->outer == 0 || (was_member && !is_null)) {
		s->err = OC_ERR_PARSE;
		return 0;
	}
	if (was_member)
		s->found = true;
	return 1;
}

static int st_null(void *ctx)
{
	struct oc_json_stream *s = ctx;

	if (s->skip)
		return 1;
	if (stream_at_items(s))
		return stream_scalar_done(s, cb_null(&s->p));
	return stream_outer_scalar(s, true);
}

static int st_bool(void *ctx, int v)
{
	struct oc_json_stream *s = ctx;

	if (s->skip)
		return 1;
	if (stream_at_items(s))
		return stream_scalar_done(s, cb_bool(&s->p, v));
	return stream_outer_scalar(s, false);
}

static int st_number(void *ctx, const char *t, size_t n)
{
	struct oc_json_stream *s = ctx;

	if (s->skip)
		return 1;
	if (stream_at_items(s))
		return stream_scalar_done(s, cb_number(&s->p, t, n));
	return stream_outer_scalar(s, false);
}

static int st_string(void *ctx, const unsigned char *t, size_t n)
{
	struct oc_json_stream *s = ctx;

	if (s->skip)
		return 1;
	if (stream_at_items(s))
		return stream_scalar_done(s, cb_string(&s->p, t, n));
	return stream_outer_scalar(s, false);
}

static int st_start(struct oc_json_stream *s, enum oc_json_type t)
{
	if (s->skip) {
		s->skip++;
		return 1;
	}
	if (stream_at_items(s))
		return push(&s->p, t) ? 1 : stream_item_failed(s, true);
	if ((s->outer == 0 && t != OC_JSON_OBJECT) ||
	    (s->outer == 1 && s->key_is_member && t != OC_JSON_ARRAY) ||
	    s->outer >= OC_JSON_MAX_DEPTH) {
		s->err =
		    s->outer >= OC_JSON_MAX_DEPTH ? OC_ERR_RANGE : OC_ERR_PARSE;
		return 0;
	}
	if (s->outer == 1 && s->key_is_member) {
		s->in_items = true;
		s->found = true;
	}
	s->key_is_member = false;
	s->outer++;
	return 1;
}

static int st_start_map(void *ctx)
{
	return st_start(ctx, OC_JSON_OBJECT);
}

static int st_start_array(void *ctx)
{
	return st_start(ctx, OC_JSON_ARRAY);
}

static int st_end(void *ctx)
{
	struct oc_json_stream *s = ctx;

	if (s->skip) {
		if (--s->skip == 0)
			s->since_item = 0;
		return 1;
	}
	if (s->p.depth > 0) {
		s->p.depth--;
		return s->p.depth == 0 ? stream_deliver(s) : 1;
	}
	if (s->in_items && s->outer == 2)
		s->in_items = false;
	s->outer--;
	return 1;
}

static int st_map_key(void *ctx, const unsigned char *t, size_t n)
{
	struct oc_json_stream *s = ctx;

	if (key_has_nul(t, n)) {
		s->err = OC_ERR_PARSE;
		return 0;
	}
	if (s->skip)
		return 1;
	if (s->p.depth > 0)
		return cb_map_key(&s->p, t, n) ? 1
					       : stream_item_failed(s, false);
	if (s->outer == 1)
		s->key_is_member =
		    n == s->member_len && memcmp(t, s->member, n) == 0;
	return 1;
}

static const yajl_callbacks stream_callbacks = {
    .yajl_null = st_null,
    .yajl_boolean = st_bool,
    .yajl_number = st_number,
    .yajl_string = st_string,
    .yajl_start_map = st_start_map,
    .yajl_map_key = st_map_key,
    .yajl_end_map = st_end,
    .yajl_start_array = st_start_array,
    .yajl_end_array = st_end,
};

int oc_json_stream_new(const char *member, size_t item_max_nodes,
		       size_t item_max_bytes, oc_json_item_fn on_item,
		       void *ctx, struct oc_json_stream **out)
{
	struct oc_json_stream *s;

	if (!member || !on_item || !out || item_max_nodes == 0 ||
	    item_max_bytes == 0)
		return OC_ERR_ARGS;
	s = calloc(1, sizeof(*s));
	if (!s)
		return OC_ERR_NOMEM;
	s->member = strdup(member);
	s->member_len = strlen(member);
	s->on_item = on_item;
	s->ctx = ctx;
	s->max_nodes = item_max_nodes < OC_JSON_MAX_NODES ? item_max_nodes
							  : OC_JSON_MAX_NODES;
	s->max_bytes = item_max_bytes;
	if (!s->member || oc_json_stream_reset(s) != OC_OK) {
		oc_json_stream_free(s);
		return OC_ERR_NOMEM;
	}
	*out = s;
	return OC_OK;
}

int oc_json_stream_reset(struct oc_json_stream *s)
{
	if (!s)
		return OC_ERR_ARGS;
	if (s->h)
		yajl_free(s->h);
	stream_item_reset(s);
	s->p.max_nodes = s->max_nodes;
	s->p.max_bytes = s->max_bytes;
	s->outer = 0;
	s->key_is_member = false;
	s->in_items = false;
	s->found = false;
	s->skip = 0;
	s->skipped = 0;
	s->h = yajl_alloc(&stream_callbacks, &wipe_funcs, s);
	s->err = s->h ? OC_OK : OC_ERR_NOMEM;
	return s->err;
}

int oc_json_stream_feed(struct oc_json_stream *s, const char *text, size_t len)
{
	size_t cap;

	if (!s || (!text && len))
		return OC_ERR_ARGS;
	if (s->err)
		return s->err; /* a failed reset included */
	/* yajl holds a token that spans chunks whole: bound the text between
	 * two item ends too, escapes included.  Counted per chunk: an item
	 * ending inside a chunk clears the count, so it may run up to one
	 * chunk under the text since that end. */
	cap = s->max_bytes > SIZE_MAX / 8 ? SIZE_MAX : s->max_bytes * 8;
	if (len > cap - s->since_item) {
		s->err = OC_ERR_RANGE;
		return s->err;
	}
	s->since_item += len;
	if (yajl_parse(s->h, (const unsigned char *)text, len) !=
	    yajl_status_ok) {
		if (!s->err)
			s->err = OC_ERR_PARSE;
		oc_debug(OC_LOG_JSON,
			 "streamed document rejected near byte "
			 "%zu of a chunk: %s",
			 yajl_get_bytes_consumed(s->h), oc_strerror(s->err));
	}
	return s->err;
}

int oc_json_stream_finish(struct oc_json_stream *s, bool *found,
			  size_t *skipped)
{
	if (!s)
		return OC_ERR_ARGS;
	if (!s->err && yajl_complete_parse(s->h) != yajl_status_ok)
		s->err = OC_ERR_PARSE;
	if (!s->err && s->outer != 0)
		s->err = OC_ERR_PARSE;
	if (s->err)
		return s->err;
	if (found)
		*found = s->found;
	if (skipped)
		*skipped = s->skipped;
	return OC_OK;
}

void oc_json_stream_free(struct oc_json_stream *s)
{
	if (!s)
		return;
	if (s->h)
		yajl_free(s->h);
	stream_item_reset(s);
	arena_free(&s->arena);
	free(s->member);
	free(s);
}

enum oc_json_type oc_json_type(const struct oc_json *j)
{
	return j ? j->type : OC_JSON_NULL;
}

const struct oc_json *oc_json_get(const struct oc_json *obj, const char *key)
{
	size_t i, n;

	if (obj == NULL || key == NULL || obj->type != OC_JSON_OBJECT)
		return NULL;
	n = strlen(key);
	for (i = 0; i < obj->u.c.n; i++) {
		const struct member *m = &obj->u.c.m[i];

		if (m->key_len == n && memcmp(m->key, key, n) == 0)
			return m->val;
	}
	return NULL;
}

const char *oc_json_string(const struct oc_json *j, size_t *len)
{
	if (j == NULL || j->type != OC_JSON_STRING)
		return NULL;
	if (len != NULL)
		*len = j->u.str.len;
	return j->u.str.s;
}

bool oc_json_int(const struct oc_json *j, int64_t *out)
{
	if (j == NULL || j->type != OC_JSON_INT)
		return false;
	if (out != NULL)
		*out = j->u.i;
	return true;
}

bool oc_json_bool(const struct oc_json *j, bool *out)
{
	if (j == NULL || j->type != OC_JSON_BOOL)
		return false;
	if (out != NULL)
		*out = j->u.b;
	return true;
}

size_t oc_json_len(const struct oc_json *j)
{
	if (j == NULL ||
	    (j->type != OC_JSON_OBJECT && j->type != OC_JSON_ARRAY))
		return 0;
	return j->u.c.n;
}

const struct oc_json *oc_json_at(const struct oc_json *j, size_t i)
{
	if (i >= oc_json_len(j))
		return NULL;
	return j->u.c.m[i].val;
}

const char *oc_json_key_at(const struct oc_json *j, size_t i)
{
	if (j == NULL || j->type != OC_JSON_OBJECT || i >= j->u.c.n)
		return NULL;
	return j->u.c.m[i].key;
}

const char *oc_json_get_string(const struct oc_json *obj, const char *key,
			       size_t *len)
{
	return oc_json_string(oc_json_get(obj, key), len);
}

bool oc_json_get_int(const struct oc_json *obj, const char *key, int64_t *out)
{
	return oc_json_int(oc_json_get(obj, key), out);
}

bool oc_json_get_bool(const struct oc_json *obj, const char *key, bool *out)
{
	return oc_json_bool(oc_json_get(obj, key), out);
}

/* --- generator --------------------------------------------------------- */

static void gen_print(void *ctx, const char *s, size_t n)
{
	struct oc_jgen *j = ctx;
	int rc;

	if (j->err != OC_OK)
		return;
	rc = oc_buf_append(j->out, s, n);
	if (rc != OC_OK)
		j->err = rc;
}

static int gen_status(struct oc_jgen *j, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok && j->err == OC_OK)
		j->err = st == yajl_gen_invalid_string ? OC_ERR_PARSE
						       : OC_ERR_INTERNAL;
	return j->err;
}

int oc_jgen_init(struct oc_jgen *j, struct oc_buf *out)
{
	if (j == NULL)
		return OC_ERR_ARGS;
	memset(j, 0, sizeof(*j));
	if (out == NULL)
		return OC_ERR_ARGS;
	j->out = out;
	j->g = yajl_gen_alloc(out->secret ? &wipe_funcs : NULL);
	if (j->g == NULL)
		return OC_ERR_NOMEM;
	if (!yajl_gen_config(j->g, yajl_gen_print_callback, gen_print, j) ||
	    !yajl_gen_config(j->g, yajl_gen_validate_utf8, 1)) {
		yajl_gen_free(j->g);
		j->g = NULL;
		return OC_ERR_INTERNAL;
	}
	return OC_OK;
}

void oc_jgen_free(struct oc_jgen *j)
{
	if (j == NULL)
		return;
	if (j->g != NULL)
		yajl_gen_free(j->g);
	j->g = NULL;
}

int oc_jgen_status(const struct oc_jgen *j)
{
	if (j == NULL || j->g == NULL)
		return OC_ERR_STATE;
	return j->err;
}

int oc_jgen_strn(struct oc_jgen *j, const char *s, size_t n)
{
	if (j == NULL || j->g == NULL || (s == NULL && n != 0))
		return OC_ERR_ARGS;
	return gen_status(
	    j, yajl_gen_string(j->g, (const unsigned char *)(s ? s : ""), n));
}

int oc_jgen_str(struct oc_jgen *j, const char *s)
{
	if (s == NULL)
		return OC_ERR_ARGS;
	return oc_jgen_strn(j, s, strlen(s));
}

int oc_jgen_kv_strn(struct oc_jgen *j, const char *key, const char *val,
		    size_t n)
{
	int rc = oc_jgen_str(j, key);

	if (rc != OC_OK)
		return rc;
	return oc_jgen_strn(j, val, n);
}

int oc_jgen_kv_str(struct oc_jgen *j, const char *key, const char *val)
{
	if (val == NULL)
		return oc_jgen_kv_null(j, key);
	return oc_jgen_kv_strn(j, key, val, strlen(val));
}

int oc_jgen_kv_int(struct oc_jgen *j, const char *key, int64_t val)
{
	int rc = oc_jgen_str(j, key);

	if (rc != OC_OK)
		return rc;
	return gen_status(j, yajl_gen_integer(j->g, (long long)val));
}

int oc_jgen_kv_bool(struct oc_jgen *j, const char *key, bool val)
{
	int rc = oc_jgen_str(j, key);

	if (rc != OC_OK)
		return rc;
	return gen_status(j, yajl_gen_bool(j->g, val));
}

int oc_jgen_kv_null(struct oc_jgen *j, const char *key)
{
	int rc = oc_jgen_str(j, key);

	if (rc != OC_OK)
		return rc;
	return gen_status(j, yajl_gen_null(j->g));
}

int oc_jgen_node(struct oc_jgen *j, const struct oc_json *node)
{
	yajl_gen_status st;
	size_t i;
	int rc;

	if (j == NULL || j->g == NULL)
		return OC_ERR_ARGS;
	if (node == NULL)
		return gen_status(j, yajl_gen_null(j->g));
	switch (node->type) {
	case OC_JSON_NULL:
		st = yajl_gen_null(j->g);
		break;
	case OC_JSON_BOOL:
		st = yajl_gen_bool(j->g, node->u.b);
		break;
	case OC_JSON_INT:
		st = yajl_gen_integer(j->g, (long long)node->u.i);
		break;
	case OC_JSON_DOUBLE:
		st = yajl_gen_number(j->g, node->u.num.text,
				     node->u.num.text_len);
		break;
	case OC_JSON_STRING:
		st = yajl_gen_string(j->g, (const unsigned char *)node->u.str.s,
				     node->u.str.len);
		break;
	case OC_JSON_OBJECT:
	case OC_JSON_ARRAY:
		st = node->type == OC_JSON_OBJECT ? yajl_gen_map_open(j->g)
						  : yajl_gen_array_open(j->g);
		rc = gen_status(j, st);
		if (rc != OC_OK)
			return rc;
		for (i = 0; i < node->u.c.n; i++) {
			const struct member *m = &node->u.c.m[i];

			if (m->key != NULL) {
				rc = oc_jgen_strn(j, m->key, m->key_len);
				if (rc != OC_OK)
					return rc;
			}
			rc = oc_jgen_node(j, m->val);
			if (rc != OC_OK)
				return rc;
		}
		st = node->type == OC_JSON_OBJECT ? yajl_gen_map_close(j->g)
						  : yajl_gen_array_close(j->g);
		break;
	default:
		return gen_status(j, yajl_gen_in_error_state);
	}
	return gen_status(j, st);
}
