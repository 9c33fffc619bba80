// SPDX-License-Identifier: Apache-2.0
/* nestbox-jailer: command line parsing and the pure helpers (jail_args.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jailer/jail_args.h"

const char nb_jail_usage[] =
    "usage: nestbox-jailer --id ID --exec-file PATH --uid UID --gid GID [options]\n"
    "                      [-- nestbox arguments]\n"
    "\n"
    "Builds <chroot-base-dir>/<exec-name>/<id>/root, copies the exec file in,\n"
    "creates the device nodes, the cgroup and the namespaces, drops to UID:GID\n"
    "and runs the copy as '<exec-name> --id ID <nestbox arguments>'.\n"
    "\n"
    "  --id ID                   1-64 characters of [A-Za-z0-9-]\n"
    "  --exec-file PATH          the nestbox binary (statically linked)\n"
    "  --uid UID, --gid GID      who nestbox runs as (no supplementary groups)\n"
    "  --chroot-base-dir DIR     where jails are built (default " NB_JAIL_DEFAULT_BASE ")\n"
    "  --netns PATH              join this network namespace\n"
    "  --daemonize               setsid() and standard I/O to /dev/null\n"
    "  --new-pid-ns              run nestbox as pid 1 of a new PID namespace\n"
    "  --cgroup-version 1|2      the cgroup hierarchy to use (default 1)\n"
    "  --cgroup FILE=VALUE       write VALUE to FILE of the jail's cgroup (repeatable)\n"
    "  --parent-cgroup PATH      the cgroup's parent, relative (default <exec-name>)\n"
    "  --resource-limit fsize=N|no-file=N   (repeatable; no-file defaults to 2048)\n"
    "  --help, --version\n";

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool nb_jail_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > NB_JAIL_ID_MAX)
		return false;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

static bool name_valid(const char *s, size_t n)
{
	static const char ok[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-";

	if (n == 0 || n > 255 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(ok, s[i]))
			return false;
	return true;
}

bool nb_jail_name_valid(const char *name)
{
	return name_valid(name, strlen(name));
}

bool nb_jail_rel_path_valid(const char *path)
{
	const char *p = path;

	if (strlen(path) >= 1024)
		return false;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!name_valid(p, n))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

int nb_jail_parse_id_number(const char *s, unsigned int *out)
{
	unsigned long long v;

	if (parse_u64(s, &v) || v >= UINT32_MAX)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

int nb_jail_parse_cgroup(const char *arg, struct nb_jail_cgroup *cg)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz0123456789_.";
	const char *eq = strchr(arg, '=');
	const char *dot;
	size_t n;

	if (!eq)
		return -EINVAL;
	n = (size_t)(eq - arg);
	dot = memchr(arg, '.', n);
	/* <controller>.<name>: neither side empty, no '/' or odd bytes. */
	if (!dot || dot == arg || dot + 1 == eq || n > 128 || strspn(arg, ok) < n)
		return -EINVAL;
	if (!eq[1] || strchr(eq + 1, '\n'))
		return -EINVAL;
	cg->file = arg;
	cg->file_len = n;
	cg->ctrl_len = (size_t)(dot - arg);
	cg->value = eq + 1;
	return 0;
}

int nb_jail_parse_rlimit(const char *arg, int *resource, rlim_t *value)
{
	unsigned long long v;
	const char *num;

	if (!strncmp(arg, "fsize=", 6)) {
		*resource = RLIMIT_FSIZE;
		num = arg + 6;
	} else if (!strncmp(arg, "no-file=", 8)) {
		*resource = RLIMIT_NOFILE;
		num = arg + 8;
	} else {
		return -EINVAL;
	}
	if (parse_u64(num, &v) || v == (unsigned long long)RLIM_INFINITY)
		return -EINVAL;
	*value = (rlim_t)v;
	return 0;
}

enum opt {
	OPT_ID,
	OPT_EXEC,
	OPT_UID,
	OPT_GID,
	OPT_BASE,
	OPT_NETNS,
	OPT_CGVER,
	OPT_CGROUP,
	OPT_PARENT,
	OPT_RLIMIT,
	OPT_DAEMONIZE,
	OPT_PIDNS,
	OPT_HELP,
	OPT_VERSION,
	OPT_COUNT,
};

static const struct {
	const char *name;
	bool value;
	bool repeat;
} opts[OPT_COUNT] = {
    [OPT_ID] = {"id", true, false},
    [OPT_EXEC] = {"exec-file", true, false},
    [OPT_UID] = {"uid", true, false},
    [OPT_GID] = {"gid", true, false},
    [OPT_BASE] = {"chroot-base-dir", true, false},
    [OPT_NETNS] = {"netns", true, false},
    [OPT_CGVER] = {"cgroup-version", true, false},
    [OPT_CGROUP] = {"cgroup", true, true},
    [OPT_PARENT] = {"parent-cgroup", true, false},
    [OPT_RLIMIT] = {"resource-limit", true, true},
    [OPT_DAEMONIZE] = {"daemonize", false, false},
    [OPT_PIDNS] = {"new-pid-ns", false, false},
    [OPT_HELP] = {"help", false, false},
    [OPT_VERSION] = {"version", false, false},
};

static int lookup(const char *arg, const char **value)
{
	const char *name = arg + 2;
	const char *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);

	for (int i = 0; i < OPT_COUNT; i++) {
		if (strlen(opts[i].name) == n && !strncmp(opts[i].name, name, n)) {
			*value = eq ? eq + 1 : NULL;
			return i;
		}
	}
	return -1;
}

/* Checks of each flag's value; a->* hold the raw strings already. */
static int check_paths(struct nb_jail_args *a, char *err, size_t len)
{
	const char *slash;
	size_t n;

	/* The base dir is checked as it is read (take()); the default is fine. */
	if (!a->id)
		return fail(err, len, "missing --id");
	if (!nb_jail_id_valid(a->id))
		return fail(err, len, "--id '%s': 1-%d characters of letters, digits and '-'",
			    a->id, NB_JAIL_ID_MAX);
	if (!a->exec_file)
		return fail(err, len, "missing --exec-file");
	n = strlen(a->exec_file);
	slash = strrchr(a->exec_file, '/');
	a->exec_name = slash ? slash + 1 : a->exec_file;
	if (!n || n >= 4096 || !nb_jail_name_valid(a->exec_name))
		return fail(
		    err, len,
		    "--exec-file '%s': must name a file whose name is made of [A-Za-z0-9._+-] "
		    "and does not start with '.'",
		    a->exec_file);
	if (a->netns && (a->netns[0] != '/' || strlen(a->netns) >= 4096))
		return fail(err, len, "--netns '%s': must be an absolute path", a->netns);
	if (a->parent_cgroup && !nb_jail_rel_path_valid(a->parent_cgroup))
		return fail(err, len,
			    "--parent-cgroup '%s': must be a relative path of plain names "
			    "(no '.', '..', '//' or leading '/')",
			    a->parent_cgroup);
	return 0;
}

/*
 * The base dir: absolute, no empty, "." or ".." component (one trailing '/'
 * is fine), no newline.
 */
static bool base_ok(const char *base)
{
	const char *p = base + 1;
	size_t n = strlen(base);

	if (base[0] != '/' || n >= 2048 || strchr(base, '\n'))
		return false;
	while (*p) {
		size_t c = strcspn(p, "/");

		if (c == 0 || (c == 1 && p[0] == '.') || (c == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += c;
		if (*p == '/')
			p++;
	}
	return true;
}

static int take(struct nb_jail_args *a, int o, const char *v, char *err, size_t len)
{
	unsigned int num;
	rlim_t rv;
	int res;

	switch (o) {
	case OPT_ID:
		a->id = v;
		break;
	case OPT_EXEC:
		a->exec_file = v;
		break;
	case OPT_UID:
	case OPT_GID:
		if (nb_jail_parse_id_number(v, &num))
			return fail(err, len, "--%s '%s': not a number below 4294967295",
				    opts[o].name, v);
		if (o == OPT_UID)
			a->uid = num;
		else
			a->gid = num;
		break;
	case OPT_BASE:
		if (!base_ok(v))
			return fail(err, len,
				    "--chroot-base-dir '%s': must be an absolute path of plain "
				    "names (no '.', '..' or '//')",
				    v);
		a->base_dir = v;
		break;
	case OPT_NETNS:
		a->netns = v;
		break;
	case OPT_CGVER:
		if (strcmp(v, "1") && strcmp(v, "2"))
			return fail(err, len, "--cgroup-version '%s': must be 1 or 2", v);
		a->cgroup_version = v[0] - '0';
		break;
	case OPT_CGROUP:
		if (a->n_cgroups == NB_JAIL_MAX_CGROUPS)
			return fail(err, len, "--cgroup: at most %d", NB_JAIL_MAX_CGROUPS);
		if (nb_jail_parse_cgroup(v, &a->cgroups[a->n_cgroups]))
			return fail(err, len,
				    "--cgroup '%s': must be <controller>.<file>=<value> "
				    "(e.g. pids.max=64)",
				    v);
		a->n_cgroups++;
		break;
	case OPT_PARENT:
		a->parent_cgroup = v;
		break;
	case OPT_RLIMIT:
		if (nb_jail_parse_rlimit(v, &res, &rv))
			return fail(err, len,
				    "--resource-limit '%s': must be fsize=N or no-file=N "
				    "(N a decimal number)",
				    v);
		if (res == RLIMIT_FSIZE) {
			a->has_fsize = true;
			a->fsize = rv;
		} else {
			a->nofile = rv;
		}
		break;
	case OPT_DAEMONIZE:
		a->daemonize = true;
		break;
	case OPT_PIDNS:
		a->new_pid_ns = true;
		break;
	}
	return 0;
}

int nb_jail_parse_args(struct nb_jail_args *a, int argc, char **argv, char *err, size_t len)
{
	bool seen[OPT_COUNT] = {0};
	bool uid_set = false, gid_set = false;
	int i, r;

	memset(a, 0, sizeof(*a));
	a->base_dir = NB_JAIL_DEFAULT_BASE;
	a->cgroup_version = 1;
	a->nofile = NB_JAIL_DEFAULT_NOFILE;
	err[0] = '\0';
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		int o;

		if (!strcmp(arg, "--")) {
			i++;
			break;
		}
		if (strncmp(arg, "--", 2) || (o = lookup(arg, &v)) < 0)
			return fail(err, len, "unknown argument '%s' (see --help)", arg);
		if (o == OPT_HELP)
			return NB_JAIL_HELP;
		if (o == OPT_VERSION)
			return NB_JAIL_VERSION;
		if (seen[o] && !opts[o].repeat)
			return fail(err, len, "--%s given twice", opts[o].name);
		seen[o] = true;
		if (opts[o].value && !v) {
			if (i + 1 >= argc)
				return fail(err, len, "--%s needs a value", opts[o].name);
			v = argv[++i];
		} else if (!opts[o].value && v) {
			return fail(err, len, "--%s takes no value", opts[o].name);
		}
		r = take(a, o, v, err, len);
		if (r)
			return r;
	}
	a->extra = argv + i;
	a->n_extra = argc > i ? argc - i : 0;
	uid_set = seen[OPT_UID];
	gid_set = seen[OPT_GID];
	r = check_paths(a, err, len);
	if (r)
		return r;
	if (!uid_set)
		return fail(err, len, "missing --uid");
	if (!gid_set)
		return fail(err, len, "missing --gid");
	for (i = 0; i < a->n_extra; i++)
		if (!strcmp(a->extra[i], "--id") || !strncmp(a->extra[i], "--id=", 5))
			return fail(err, len, "'%s' after '--': the jailer passes --id itself",
				    a->extra[i]);
	return 0;
}

static int join(char *buf, size_t len, const char *const *parts, int n)
{
	size_t off = 0;

	for (int i = 0; i < n; i++) {
		const char *p = parts[i];
		size_t pn = strlen(p);

		/* Drop a trailing '/' of a part; the root "/" becomes "". */
		while (pn && p[pn - 1] == '/')
			pn--;
		if (off + pn + 2 > len)
			return -ENAMETOOLONG;
		if (i) {
			buf[off++] = '/';
		}
		memcpy(buf + off, p, pn);
		off += pn;
	}
	if (off >= len)
		return -ENAMETOOLONG;
	buf[off] = '\0';
	return 0;
}

int nb_jail_root_path(const struct nb_jail_args *a, char *buf, size_t len)
{
	const char *parts[] = {a->base_dir, a->exec_name, a->id, "root"};

	return join(buf, len, parts, 4);
}

int nb_jail_cgroup_rel(const struct nb_jail_args *a, char *buf, size_t len)
{
	const char *parts[] = {a->parent_cgroup ? a->parent_cgroup : a->exec_name, a->id};

	return join(buf, len, parts, 2);
}

int nb_jail_cgroup_path(const struct nb_jail_args *a, const char *mount, char *buf, size_t len)
{
	const char *parts[] = {mount, a->parent_cgroup ? a->parent_cgroup : a->exec_name, a->id};

	return join(buf, len, parts, 3);
}

/* Copies a /proc/mounts field, decoding \ooo escapes. */
static int unescape(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' && i + 3 < n + 1 && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= len)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static bool has_token(const char *opts_s, size_t n, const char *tok)
{
	size_t tn = strlen(tok);
	const char *p = opts_s, *end = opts_s + n;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t pn = c ? (size_t)(c - p) : (size_t)(end - p);

		if (pn == tn && !memcmp(p, tok, tn))
			return true;
		p += pn + 1;
	}
	return false;
}

/* Mount options of a v1 cgroup mount that are not controllers. */
static bool generic_option(const char *opt)
{
	static const char *const generic[] = {
	    "rw",      "ro",	      "nosuid",		"nodev",    "noexec",	      "relatime",
	    "noatime", "strictatime", "nodiratime",	"sync",	    "dirsync",	      "lazytime",
	    "mand",    "xattr",	      "clone_children", "noprefix", "cpuset_v2_mode", "none",
	    "all",
	};

	for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
		if (!strcmp(opt, generic[i]))
			return true;
	return false;
}

int nb_jail_find_cgroup_mount(const char *mounts, int version, const char *ctrl, char *out,
			      size_t len)
{
	const char *line = mounts;

	if (version == 1 && (!ctrl || generic_option(ctrl)))
		return -ENOENT;

	while (*line) {
		const char *eol = strchr(line, '\n');
		const char *f[4];
		size_t fl[4];
		const char *p = line;
		int nf = 0;

		if (!eol)
			eol = line + strlen(line);
		/* device mountpoint fstype options ... */
		while (nf < 4 && p < eol) {
			const char *sp = memchr(p, ' ', (size_t)(eol - p));

			f[nf] = p;
			fl[nf] = sp ? (size_t)(sp - p) : (size_t)(eol - p);
			nf++;
			p += fl[nf - 1] + 1;
		}
		if (nf == 4) {
			bool v2 = fl[2] == 7 && !memcmp(f[2], "cgroup2", 7);
			bool v1 = fl[2] == 6 && !memcmp(f[2], "cgroup", 6);

			if ((version == 2 && v2) ||
			    (version == 1 && v1 && ctrl && has_token(f[3], fl[3], ctrl)))
				return unescape(f[1], fl[1], out, len);
		}
		line = *eol ? eol + 1 : eol;
	}
	return -ENOENT;
}

void nb_jail_exec_argv(const struct nb_jail_args *a, char **out)
{
	int n = 0;

	out[n++] = (char *)a->exec_name;
	out[n++] = (char *)"--id";
	out[n++] = (char *)a->id;
	for (int i = 0; i < a->n_extra; i++)
		out[n++] = a->extra[i];
	out[n] = NULL;
}
