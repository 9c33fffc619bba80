// SPDX-License-Identifier: Apache-2.0
/*
 * nestbox-jailer: the jail's cgroup. v2: <mount>/<parent>/<id> in the cgroup2
 * mount, the controllers the --cgroup files need enabled down the path. v1:
 * the same path in the hierarchy of each controller the files name (cpuset
 * levels inherit cpus and mems from their parent). The values are written
 * here; the process joins later (jail_cgroup_join), just before it execs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jailer/jail.h"

struct hier {
	char mount[PATH_MAX];
	char ctrls[NB_JAIL_MAX_CGROUPS][64]; /* controllers to enable (v2) or served (v1) */
	int n_ctrls;
};

static char *read_mounts(struct jail *j)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	int fd = open("/proc/self/mounts", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		jail_fail(j, fd < 0 ? errno : ENOMEM, "cgroup: read /proc/self/mounts");
		goto fail;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *nb = cap < (1 << 24) ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				jail_fail(j, ENOMEM, "cgroup: read /proc/self/mounts");
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (n < 0) {
		jail_fail(j, errno, "cgroup: read /proc/self/mounts");
		goto fail;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

static void add_ctrl(struct hier *h, const char *c)
{
	size_t len = strnlen(c, sizeof(h->ctrls[0]) - 1);

	for (int i = 0; i < h->n_ctrls; i++)
		if (!strcmp(h->ctrls[i], c))
			return;
	/* One controller per --cgroup: at most NB_JAIL_MAX_CGROUPS of them. */
	if (h->n_ctrls == NB_JAIL_MAX_CGROUPS)
		return;
	memcpy(h->ctrls[h->n_ctrls], c, len);
	h->ctrls[h->n_ctrls++][len] = '\0';
}

/* v2: "+ctrl" in dir's cgroup.subtree_control unless it is there already. */
static int enable_ctrl(struct jail *j, int dirfd, const char *path, const char *ctrl)
{
	char buf[4096], w[80];
	int r;

	r = jail_read_at(dirfd, "cgroup.subtree_control", buf, sizeof(buf));
	if (r < 0)
		return jail_fail(j, -r, "cgroup: read %s/cgroup.subtree_control", path);
	if (word_in(buf, ctrl))
		return 0;
	r = jail_read_at(dirfd, "cgroup.controllers", buf, sizeof(buf));
	if (r < 0)
		return jail_fail(j, -r, "cgroup: read %s/cgroup.controllers", path);
	if (!word_in(buf, ctrl))
		return jail_fail(j, 0, "cgroup: controller '%s' is not available in %s", ctrl,
				 path);
	snprintf(w, sizeof(w), "+%s", ctrl);
	r = jail_write_at(dirfd, "cgroup.subtree_control", w);
	if (r)
		return jail_fail(j, -r, "cgroup: enable '%s' in %s/cgroup.subtree_control", ctrl,
				 path);
	r = jail_undo_push(j, UNDO_WRITE, dirfd, "cgroup.subtree_control");
	if (!r)
		snprintf(j->undo[j->n_undo - 1].data, sizeof(j->undo[0].data), "-%s", ctrl);
	return r;
}

/* v1 cpuset: a new level starts with empty cpus and mems; take the parent's. */
static int inherit_cpuset(struct jail *j, int parent, int dirfd, const char *path)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	char buf[4096];
	int r;

	for (int i = 0; i < 2; i++) {
		r = jail_read_at(dirfd, files[i], buf, sizeof(buf));
		if (r < 0 || buf[strspn(buf, " \n")])
			continue;
		r = jail_read_at(parent, files[i], buf, sizeof(buf));
		if (r > 0)
			r = jail_write_at(dirfd, files[i], buf);
		if (r < 0)
			return jail_fail(j, -r, "cgroup: copy the parent's %s to %s", files[i],
					 path);
	}
	return 0;
}

/* Creates <mount>/<rel> in one hierarchy, writes its values, opens cgroup.procs. */
static int build_one(struct jail *j, const struct hier *h, int version, const char *rel)
{
	const struct nb_jail_args *a = j->a;
	char path[PATH_MAX + 300], name[256];
	const char *p = rel;
	bool created, cpuset;
	int fd, parent, r;

	fd = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (r = jail_hold(j, fd)) < 0)
		return jail_fail(j, fd < 0 ? errno : -r, "cgroup: open %s", h->mount);
	snprintf(path, sizeof(path), "%s", h->mount);
	cpuset = version == 1 && faccessat(fd, "cpuset.cpus", F_OK, 0) == 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (version == 2)
			for (int i = 0; i < h->n_ctrls; i++)
				if ((r = enable_ctrl(j, fd, path, h->ctrls[i])))
					return r;
		memcpy(name, p, n);
		name[n] = '\0';
		p += n + (p[n] == '/');
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s", name);
		parent = fd;
		fd = jail_mkdir(j, parent, name, path, false, &created);
		if (fd < 0)
			return fd;
		if (cpuset && (r = inherit_cpuset(j, parent, fd, path)))
			return r;
	}
	for (unsigned int i = 0; i < a->n_cgroups; i++) {
		const struct nb_jail_cgroup *cg = &a->cgroups[i];
		char file[160], ctrl[160];
		bool mine = version == 2;

		snprintf(file, sizeof(file), "%.*s", (int)cg->file_len, cg->file);
		snprintf(ctrl, sizeof(ctrl), "%.*s", (int)cg->ctrl_len, cg->file);
		for (int k = 0; !mine && k < h->n_ctrls; k++)
			mine = !strcmp(h->ctrls[k], ctrl);
		if (!mine)
			continue;
		r = jail_write_at(fd, file, cg->value);
		if (r)
			return jail_fail(j, -r, "cgroup: write '%s' to %s/%s", cg->value, path,
					 file);
	}
	if (j->n_cg == JAIL_MAX_HIER)
		return jail_fail(j, ENOSPC, "cgroup: too many hierarchies");
	r = openat(fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (r < 0)
		return jail_fail(j, errno, "cgroup: open %s/cgroup.procs", path);
	j->cg_procs[j->n_cg++] = r;
	return 0;
}

int jail_cgroups(struct jail *j)
{
	const struct nb_jail_args *a = j->a;
	int version = a->cgroup_version;
	struct hier *hs;
	char rel[PATH_MAX], *mounts;
	int n_hs = 0, r = 0;

	if (!a->n_cgroups)
		return 0;
	r = nb_jail_cgroup_rel(a, rel, sizeof(rel));
	if (r)
		return jail_fail(j, -r, "cgroup path");
	mounts = read_mounts(j);
	hs = calloc(JAIL_MAX_HIER, sizeof(*hs));
	if (!mounts || !hs) {
		r = mounts ? jail_fail(j, ENOMEM, "cgroup") : -EIO;
		goto out;
	}
	for (unsigned int i = 0; i < a->n_cgroups; i++) {
		char ctrl[160], mnt[PATH_MAX];
		int k;

		snprintf(ctrl, sizeof(ctrl), "%.*s", (int)a->cgroups[i].ctrl_len,
			 a->cgroups[i].file);
		r = nb_jail_find_cgroup_mount(mounts, version, ctrl, mnt, sizeof(mnt));
		if (r) {
			r = version == 2
				? jail_fail(j, -r,
					    "cgroup v2: no cgroup2 mount in "
					    "/proc/self/mounts")
				: jail_fail(j, -r,
					    "cgroup v1: no hierarchy mounted for controller "
					    "'%s'",
					    ctrl);
			goto out;
		}
		for (k = 0; k < n_hs && strcmp(hs[k].mount, mnt); k++)
			;
		if (k == n_hs) {
			if (n_hs == JAIL_MAX_HIER) {
				r = jail_fail(j, ENOSPC, "cgroup: too many hierarchies");
				goto out;
			}
			snprintf(hs[n_hs++].mount, sizeof(hs[0].mount), "%s", mnt);
		}
		/* cgroup.* files are the core's, not a controller to enable. */
		if (version == 1 || strcmp(ctrl, "cgroup"))
			add_ctrl(&hs[k], ctrl);
	}
	for (int k = 0; k < n_hs && !r; k++)
		r = build_one(j, &hs[k], version, rel);
out:
	free(hs);
	free(mounts);
	return r;
}

/* Moves this process into every cgroup built above. */
int jail_cgroup_join(struct jail *j)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	for (int i = 0; i < j->n_cg; i++) {
		if (write(j->cg_procs[i], pid, strlen(pid)) < 0)
			return jail_fail(j, errno, "cgroup: join (write %s to cgroup.procs)", pid);
		close(j->cg_procs[i]);
		j->cg_procs[i] = -1;
	}
	j->n_cg = 0;
	return 0;
}
