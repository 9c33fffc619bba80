// SPDX-License-Identifier: Apache-2.0
/* Seccomp filters per thread kind: the JSON file parsed, compiled with libseccomp, installed. */
#include "vmm/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_FILE (1 << 20)

struct rule {
	char name[32];
	unsigned int ncmp;
	struct scmp_arg_cmp cmp[6];
};

struct list {
	uint32_t action; /* the default action */
	struct rule *rules;
	size_t nr;
};

struct nb_seccomp {
	enum nb_seccomp_mode mode;
	const char *lazy; /* the built-in JSON, parsed at the first compile; NULL once parsed */
	int lazy_err;	  /* how that parse failed */
	struct list lists[NB_SECCOMP_KINDS];
	pthread_mutex_t lock;
	struct sock_fprog prog[NB_SECCOMP_KINDS];
};

static const char *const kind_names[NB_SECCOMP_KINDS] = {
    [NB_SECCOMP_VMM] = "vmm",
    [NB_SECCOMP_VCPU] = "vcpu",
    [NB_SECCOMP_API] = "api",
};

const char *nb_seccomp_kind_name(enum nb_seccomp_kind k)
{
	return (unsigned int)k < NB_SECCOMP_KINDS ? kind_names[k] : "?";
}

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -EINVAL;                                                                    \
	} while (0)

/* @in as one short printable line for an error message (a name from the file). */
static const char *printable(const char *in, char *buf, size_t n)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < n; i++)
		buf[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	buf[i] = '\0';
	if (in[i] && n > 4)
		strcpy(buf + n - 4, "...");
	return buf;
}

/* A number, or a string in C notation ("0x4", "17"), as an unsigned 64-bit value. */
static int get_u64(struct json_object *o, uint64_t *v)
{
	const char *s;
	char *end;

	if (json_object_is_type(o, json_type_int)) {
		if (json_object_get_int64(o) < 0)
			return -1;
		*v = json_object_get_uint64(o);
		return 0;
	}
	if (!json_object_is_type(o, json_type_string))
		return -1;
	s = json_object_get_string(o);
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static const struct {
	const char *name;
	enum scmp_compare op;
	bool dword;
} ops[] = {
    {"eq", SCMP_CMP_EQ, true},	{"masked_eq", SCMP_CMP_MASKED_EQ, true},
    {"ne", SCMP_CMP_NE, false}, {"lt", SCMP_CMP_LT, false},
    {"le", SCMP_CMP_LE, false}, {"gt", SCMP_CMP_GT, false},
    {"ge", SCMP_CMP_GE, false},
};

/* One condition: @where is "vcpu.filter[3].args[0]". */
static int parse_cmp(struct json_object *o, const char *where, struct scmp_arg_cmp *c,
		     unsigned int *seen, char *err, size_t errlen)
{
	struct json_object *index = NULL, *type = NULL, *op = NULL, *val = NULL, *mask = NULL;
	uint64_t idx, v, m = 0;
	bool dword;
	size_t i;

	if (!json_object_is_type(o, json_type_object))
		FAIL("%s: not an object", where);
	char pk[44];

	json_object_object_foreach(o, key, member)
	{
		if (!strcmp(key, "index"))
			index = member;
		else if (!strcmp(key, "type"))
			type = member;
		else if (!strcmp(key, "op"))
			op = member;
		else if (!strcmp(key, "val"))
			val = member;
		else if (!strcmp(key, "mask"))
			mask = member;
		else if (strcmp(key, "comment"))
			FAIL("%s: unknown key '%s' (index, type, op, val, mask, comment)", where,
			     printable(key, pk, sizeof(pk)));
	}
	if (!index || !json_object_is_type(index, json_type_int) || get_u64(index, &idx) || idx > 5)
		FAIL("%s: \"index\" must be an argument number from 0 to 5", where);
	if (*seen & (1u << idx))
		FAIL("%s: a second condition on argument %" PRIu64 " (one per argument)", where,
		     idx);
	*seen |= 1u << idx;
	if (!type || !json_object_is_type(type, json_type_string) ||
	    (strcmp(json_object_get_string(type), "dword") &&
	     strcmp(json_object_get_string(type), "qword")))
		FAIL("%s: \"type\" must be \"dword\" or \"qword\"", where);
	dword = !strcmp(json_object_get_string(type), "dword");
	for (i = 0;
	     op && json_object_is_type(op, json_type_string) && i < sizeof(ops) / sizeof(ops[0]);
	     i++)
		if (!strcmp(json_object_get_string(op), ops[i].name))
			break;
	if (!op || !json_object_is_type(op, json_type_string) || i == sizeof(ops) / sizeof(ops[0]))
		FAIL("%s: \"op\" must be one of eq, masked_eq, ne, lt, le, gt, ge", where);
	if (dword && !ops[i].dword)
		FAIL("%s: op %s needs \"type\": \"qword\" (a dword takes eq and masked_eq)", where,
		     ops[i].name);
	if (!val || get_u64(val, &v))
		FAIL("%s: \"val\" must be a number (or a string such as \"0x4\")", where);
	if (ops[i].op == SCMP_CMP_MASKED_EQ && (!mask || get_u64(mask, &m)))
		FAIL("%s: masked_eq needs a \"mask\" number", where);
	if (ops[i].op != SCMP_CMP_MASKED_EQ && mask)
		FAIL("%s: \"mask\" goes with masked_eq only", where);
	if (dword && (v > UINT32_MAX || m > UINT32_MAX))
		FAIL("%s: a dword's val and mask must fit in 32 bits", where);
	c->arg = (unsigned int)idx;
	if (dword) {
		/* Only the low 32 bits count: an int argument's upper half is not defined. */
		c->op = SCMP_CMP_MASKED_EQ;
		c->datum_a = ops[i].op == SCMP_CMP_MASKED_EQ ? m : UINT32_MAX;
		c->datum_b = v;
	} else {
		c->op = ops[i].op;
		c->datum_a = ops[i].op == SCMP_CMP_MASKED_EQ ? m : v;
		c->datum_b = ops[i].op == SCMP_CMP_MASKED_EQ ? v : 0;
	}
	if (c->op == SCMP_CMP_MASKED_EQ && (c->datum_b & ~c->datum_a))
		FAIL("%s: val has bits outside mask: the condition never holds", where);
	return 0;
}

static int parse_rule(struct json_object *o, const char *where, struct rule *r, char *err,
		      size_t errlen)
{
	struct json_object *name = NULL, *args = NULL;
	unsigned int seen = 0;
	char sub[96];
	const char *s;

	if (!json_object_is_type(o, json_type_object))
		FAIL("%s: not an object", where);
	char pk[44];

	json_object_object_foreach(o, key, member)
	{
		if (!strcmp(key, "syscall"))
			name = member;
		else if (!strcmp(key, "args"))
			args = member;
		else if (strcmp(key, "comment"))
			FAIL("%s: unknown key '%s' (syscall, args, comment)", where,
			     printable(key, pk, sizeof(pk)));
	}
	if (!name || !json_object_is_type(name, json_type_string))
		FAIL("%s: no \"syscall\" name", where);
	s = json_object_get_string(name);
	if (strlen(s) >= sizeof(r->name) ||
	    seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, s) < 0)
		FAIL("%s: unknown syscall '%s' (arm64 names, e.g. epoll_pwait, not epoll_wait)",
		     where, printable(s, pk, sizeof(pk)));
	strcpy(r->name, s);
	r->ncmp = 0;
	if (!args)
		return 0;
	if (!json_object_is_type(args, json_type_array))
		FAIL("%s (%s): \"args\" must be a list of conditions", where, s);
	if (json_object_array_length(args) == 0 || json_object_array_length(args) > 6)
		FAIL("%s (%s): \"args\" takes 1 to 6 conditions", where, s);
	for (size_t i = 0; i < json_object_array_length(args); i++) {
		int e;

		snprintf(sub, sizeof(sub), "%s (%s).args[%zu]", where, s, i);
		e = parse_cmp(json_object_array_get_idx(args, i), sub, &r->cmp[i], &seen, err,
			      errlen);
		if (e)
			return e;
		r->ncmp++;
	}
	return 0;
}

static int parse_list(struct json_object *o, const char *kind, struct list *l, char *err,
		      size_t errlen)
{
	struct json_object *filter = NULL, *action = NULL;
	char where[64];
	size_t n;

	if (!json_object_is_type(o, json_type_object))
		FAIL("%s: must be an object with a \"filter\" list", kind);
	char pk[44];

	json_object_object_foreach(o, key, member)
	{
		if (!strcmp(key, "filter"))
			filter = member;
		else if (!strcmp(key, "default_action"))
			action = member;
		else if (strcmp(key, "comment"))
			FAIL("%s: unknown key '%s' (default_action, filter, comment)", kind,
			     printable(key, pk, sizeof(pk)));
	}
	l->action = SCMP_ACT_KILL_PROCESS;
	if (action) {
		const char *a = json_object_is_type(action, json_type_string)
				    ? json_object_get_string(action)
				    : "";

		if (!strcmp(a, "kill_process"))
			l->action = SCMP_ACT_KILL_PROCESS;
		else if (!strcmp(a, "kill_thread"))
			l->action = SCMP_ACT_KILL_THREAD;
		else if (!strcmp(a, "trap"))
			l->action = SCMP_ACT_TRAP;
		else if (!strcmp(a, "log"))
			l->action = SCMP_ACT_LOG;
		else
			FAIL("%s: default_action must be kill_process, kill_thread, trap or log",
			     kind);
	}
	if (!filter || !json_object_is_type(filter, json_type_array))
		FAIL("%s: must be an object with a \"filter\" list", kind);
	n = json_object_array_length(filter);
	l->rules = calloc(n ? n : 1, sizeof(*l->rules));
	if (!l->rules) {
		snprintf(err, errlen, "%s: out of memory", kind);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		int e;

		snprintf(where, sizeof(where), "%s.filter[%zu]", kind, i);
		e = parse_rule(json_object_array_get_idx(filter, i), where, &l->rules[i], err,
			       errlen);
		if (e)
			return e;
		l->nr++;
	}
	return 0;
}

static int parse(struct nb_seccomp *s, struct json_object *root, char *err, size_t errlen)
{
	bool seen[NB_SECCOMP_KINDS] = {false};
	int k;

	if (!json_object_is_type(root, json_type_object))
		FAIL("the top level must be an object with a filter per thread kind (vmm, vcpu, "
		     "api)");
	char pk[44];

	json_object_object_foreach(root, key, member)
	{
		int e;

		if (!strcmp(key, "comment"))
			continue;
		for (k = 0; k < NB_SECCOMP_KINDS; k++)
			if (!strcmp(key, kind_names[k]))
				break;
		if (k == NB_SECCOMP_KINDS)
			FAIL("unknown thread kind '%s' (vmm, vcpu, api)",
			     printable(key, pk, sizeof(pk)));
		seen[k] = true;
		e = parse_list(member, key, &s->lists[k], err, errlen);
		if (e)
			return e;
	}
	for (k = 0; k < NB_SECCOMP_KINDS; k++)
		if (!seen[k])
			FAIL("no filter for thread kind '%s' (vmm, vcpu and api are required)",
			     kind_names[k]);
	return 0;
}

/* Parses @json into @s's lists. */
static int parse_text(struct nb_seccomp *s, const char *json, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error je;
	int r;

	if (len > MAX_FILE)
		FAIL("over %d bytes: not a filter set", MAX_FILE);
	tok = json_tokener_new();
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	root = json_tokener_parse_ex(tok, json, (int)len);
	je = json_tokener_get_error(tok);
	for (size_t i = json_tokener_get_parse_end(tok); je == json_tokener_success && i < len; i++)
		if (json[i] != ' ' && json[i] != '\t' && json[i] != '\r' && json[i] != '\n')
			je = json_tokener_error_parse_unexpected;
	if (!root && je == json_tokener_continue)
		je = json_tokener_error_parse_eof;
	json_tokener_free(tok);
	if (je != json_tokener_success) {
		json_object_put(root);
		FAIL("not valid JSON: %s", json_tokener_error_desc(je));
	}
	r = parse(s, root, err, errlen);
	json_object_put(root);
	return r;
}

static struct nb_seccomp *alloc_set(enum nb_seccomp_mode mode)
{
	struct nb_seccomp *s = calloc(1, sizeof(*s));

	if (s) {
		s->mode = mode;
		pthread_mutex_init(&s->lock, NULL);
	}
	return s;
}

int nb_seccomp_new(struct nb_seccomp **out, const char *json, size_t len, enum nb_seccomp_mode mode,
		   char *err, size_t errlen)
{
	struct nb_seccomp *s = alloc_set(mode);
	int r;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = parse_text(s, json, len, err, errlen);
	if (r) {
		nb_seccomp_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int nb_seccomp_builtin(struct nb_seccomp **out, enum nb_seccomp_mode mode)
{
	*out = alloc_set(mode);
	if (!*out)
		return -ENOMEM;
	(*out)->lazy = nb_seccomp_builtin_json;
	return 0;
}

/* A lazy set's lists, under s->lock. */
static int parse_lazy(struct nb_seccomp *s, char *err, size_t errlen)
{
	char sub[256];
	int r;

	if (s->lazy_err)
		snprintf(err, errlen, "the built-in filters do not parse");
	if (!s->lazy)
		return s->lazy_err;
	r = parse_text(s, s->lazy, strlen(s->lazy), sub, sizeof(sub));
	if (r)
		snprintf(err, errlen, "the built-in filters: %s", sub);
	s->lazy = NULL;
	s->lazy_err = r;
	return r;
}

int nb_seccomp_from_file(struct nb_seccomp **out, const char *path, enum nb_seccomp_mode mode,
			 char *err, size_t errlen)
{
	char *buf = NULL, sub[384];
	size_t len = 0;
	ssize_t n;
	int fd, r;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "seccomp filter %s: %s", path, strerror(errno));
		return r;
	}
	buf = malloc(MAX_FILE + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "seccomp filter %s: out of memory", path);
		return -ENOMEM;
	}
	while (len <= MAX_FILE && (n = read(fd, buf + len, MAX_FILE + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, errlen, "seccomp filter %s: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return r;
		}
		len += (size_t)n;
	}
	close(fd);
	r = nb_seccomp_new(out, buf, len, mode, sub, sizeof(sub));
	free(buf);
	if (r)
		snprintf(err, errlen, "seccomp filter %s: %s", path, sub);
	return r;
}

void nb_seccomp_free(struct nb_seccomp *s)
{
	if (!s)
		return;
	for (int k = 0; k < NB_SECCOMP_KINDS; k++) {
		free(s->lists[k].rules);
		free(s->prog[k].filter);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

size_t nb_seccomp_count(struct nb_seccomp *s, enum nb_seccomp_kind k)
{
	const struct list *l = &s->lists[k];
	char err[8];
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	parse_lazy(s, err, sizeof(err));
	pthread_mutex_unlock(&s->lock);

	for (size_t i = 0; i < l->nr; i++) {
		size_t j;

		for (j = 0; j < i && strcmp(l->rules[j].name, l->rules[i].name); j++)
			;
		n += j == i;
	}
	return n;
}

/* libseccomp's program for @l, read back through a memfd (2.5 exports to an fd only). */
static int build(const struct list *l, uint32_t action, struct sock_fprog *prog, char *err,
		 size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(action);
	struct stat st;
	int fd = -1, r;

	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -ENOMEM;
	}
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; !r && i < l->nr; i++) {
		const struct rule *ru = &l->rules[i];
		int nr = seccomp_syscall_resolve_name(ru->name);

		if (nr < 0) {
			snprintf(err, errlen, "syscall %s does not exist on this architecture",
				 ru->name);
			seccomp_release(ctx);
			return -EINVAL;
		}
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, ru->ncmp, ru->cmp);
		if (r)
			snprintf(err, errlen, "syscall %s: libseccomp refused the rule: %s",
				 ru->name, strerror(-r));
	}
	if (!r) {
		fd = memfd_create("nb-seccomp", MFD_CLOEXEC);
		r = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
		if (!r && fstat(fd, &st) < 0)
			r = -errno;
		if (!r && (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
			   st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS))
			r = -E2BIG;
		if (!r && !(prog->filter = malloc((size_t)st.st_size)))
			r = -ENOMEM;
		if (!r && pread(fd, prog->filter, (size_t)st.st_size, 0) != st.st_size) {
			r = -EIO;
			free(prog->filter);
			prog->filter = NULL;
		}
		if (!r)
			prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
		else
			snprintf(err, errlen, "exporting the BPF program: %s", strerror(-r));
	}
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return r;
}

int nb_seccomp_compile(struct nb_seccomp *s, enum nb_seccomp_kind k, char *err, size_t errlen)
{
	char sub[160];
	int r = 0;

	pthread_mutex_lock(&s->lock);
	r = parse_lazy(s, err, errlen);
	if (!r && !s->prog[k].filter) {
		uint32_t action = s->mode == NB_SECCOMP_LOG ? SCMP_ACT_LOG : s->lists[k].action;

		r = build(&s->lists[k], action, &s->prog[k], sub, sizeof(sub));
		if (r)
			snprintf(err, errlen, "%s filter: %s", kind_names[k], sub);
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int nb_seccomp_apply(struct nb_seccomp *s, enum nb_seccomp_kind k, char *err, size_t errlen)
{
	int r;

	if (!s)
		return 0;
	r = nb_seccomp_compile(s, k, err, errlen);
	if (r)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &s->prog[k]) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s filter: installing it: %s", kind_names[k],
			 strerror(errno));
	}
	return r;
}

int nb_seccomp_thread_start(struct nb_seccomp *s, enum nb_seccomp_kind k, unsigned int index)
{
	char name[16], err[256];
	int r;

	if (k == NB_SECCOMP_VCPU)
		snprintf(name, sizeof(name), "nb_vcpu%u", index);
	else
		snprintf(name, sizeof(name), "nb_%s", kind_names[k]);
	if (k != NB_SECCOMP_VMM)
		prctl(PR_SET_NAME, name, 0, 0, 0);
	r = nb_seccomp_apply(s, k, err, sizeof(err));
	if (r)
		fprintf(stderr, "nestbox: seccomp: %s: %s\n", name, err);
	return r;
}
