// SPDX-License-Identifier: Apache-2.0
/* nestbox-jailer: the jail's files (directories, the exec copy, device nodes) and the undo list. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "jailer/jail.h"

int jail_fail(struct jail *j, int err, const char *fmt, ...)
{
	char msg[1024];
	int n = snprintf(msg, sizeof(msg), "nestbox-jailer: ");
	va_list ap;

	va_start(ap, fmt);
	n += vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(msg) - 64)
		n = (int)sizeof(msg) - 64;
	if (err) {
		const char *name = strerrorname_np(err);

		n +=
		    snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", name ? name : strerror(err));
	}
	msg[n++] = '\n';
	if (write(j->err_fd, msg, (size_t)n) < 0) {
		/* Nowhere left to say it. */
	}
	return err ? -err : -EINVAL;
}

int jail_hold(struct jail *j, int fd)
{
	if (j->n_held == JAIL_MAX_HELD) {
		close(fd);
		return -ENOSPC;
	}
	j->held[j->n_held++] = fd;
	return fd;
}

void jail_close_held(struct jail *j)
{
	while (j->n_held)
		close(j->held[--j->n_held]);
	for (int i = 0; i < j->n_cg; i++)
		close(j->cg_procs[i]);
	j->n_cg = 0;
	j->n_undo = 0;
}

int jail_undo_push(struct jail *j, enum jail_undo_kind kind, int dirfd, const char *name)
{
	struct jail_undo *u;

	if (j->n_undo == JAIL_MAX_UNDO || strlen(name) >= sizeof(u->name))
		return jail_fail(j, ENOSPC, "too many steps to undo");
	u = &j->undo[j->n_undo++];
	memset(u, 0, sizeof(*u));
	u->kind = kind;
	u->dirfd = dirfd;
	strcpy(u->name, name);
	return 0;
}

void jail_undo_run(struct jail *j)
{
	while (j->n_undo) {
		struct jail_undo *u = &j->undo[--j->n_undo];

		switch (u->kind) {
		case UNDO_RMDIR:
			unlinkat(u->dirfd, u->name, AT_REMOVEDIR);
			break;
		case UNDO_UNLINK:
			unlinkat(u->dirfd, u->name, 0);
			break;
		case UNDO_CHOWN:
			fchownat(u->dirfd, u->name, u->uid, u->gid,
				 u->name[0] ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH);
			break;
		case UNDO_WRITE:
			jail_write_at(u->dirfd, u->name, u->data);
			break;
		}
	}
}

int jail_mkdir(struct jail *j, int dirfd, const char *name, const char *path, bool follow,
	       bool *created)
{
	int fd, r;

	*created = false;
	if (mkdirat(dirfd, name, 0755) == 0) {
		*created = true;
		r = jail_undo_push(j, UNDO_RMDIR, dirfd, name);
		if (r) {
			unlinkat(dirfd, name, AT_REMOVEDIR);
			return r;
		}
	} else if (errno != EEXIST) {
		return jail_fail(j, errno, "create directory %s", path);
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return jail_fail(j, errno == ELOOP ? ENOTDIR : errno, "open directory %s", path);
	r = jail_hold(j, fd);
	if (r < 0)
		return jail_fail(j, -r, "open directory %s", path);
	return fd;
}

int jail_write_at(int dirfd, const char *name, const char *data)
{
	size_t n = strlen(data);
	int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t w;
	int e;

	if (fd < 0)
		return -errno;
	w = write(fd, data, n);
	e = w < 0 ? errno : (size_t)w != n ? EIO : 0;
	close(fd);
	return -e;
}

int jail_read_at(int dirfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t r;
	int e;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	e = errno;
	close(fd);
	if (r < 0)
		return -e;
	buf[r] = '\0';
	return (int)r;
}

/* <base> (symlinks allowed, made as needed), then <exec-name>/<id>/root (no symlinks). */
int jail_build_dirs(struct jail *j)
{
	const struct nb_jail_args *a = j->a;
	const char *names[] = {a->exec_name, a->id, "root"};
	char path[PATH_MAX] = "";
	const char *p = a->base_dir;
	bool created;
	int fd, r;

	r = nb_jail_root_path(a, j->root_path, sizeof(j->root_path));
	if (r)
		return jail_fail(j, -r, "jail root path");
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (r = jail_hold(j, fd)) < 0)
		return jail_fail(j, fd < 0 ? errno : -r, "open /");
	while (*p) {
		char name[256];
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		if (n >= sizeof(name) || strlen(path) + n + 2 > sizeof(path))
			return jail_fail(j, ENAMETOOLONG, "--chroot-base-dir %s", a->base_dir);
		memcpy(name, p, n);
		name[n] = '\0';
		strcat(path, "/");
		strcat(path, name);
		p += n;
		fd = jail_mkdir(j, fd, name, path, true, &created);
		if (fd < 0)
			return fd;
	}
	for (int i = 0; i < 3; i++) {
		if (strlen(path) + strlen(names[i]) + 2 > sizeof(path))
			return jail_fail(j, ENAMETOOLONG, "jail root path");
		strcat(path, "/");
		strcat(path, names[i]);
		fd = jail_mkdir(j, fd, names[i], path, false, &created);
		if (fd < 0)
			return fd;
	}
	j->rootfd = fd;
	return 0;
}

static int copy_fd(int in, int out)
{
	char buf[65536];
	ssize_t n;

	if (lseek(in, 0, SEEK_SET) < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		char *p = buf;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (n > 0) {
			ssize_t w = write(out, p, (size_t)n);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			p += w;
			n -= w;
		}
	}
	return 0;
}

/*
 * <root>/<exec-name>: a copy (root-owned, 0755) written beside it and renamed
 * over it, so only the jailer's own copy is ever replaced.
 */
int jail_copy_exec(struct jail *j)
{
	const char *name = j->a->exec_name;
	char tmp[300];
	struct stat st;
	bool existed;
	int fd, r;

	existed = fstatat(j->rootfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (existed && S_ISDIR(st.st_mode))
		return jail_fail(j, EISDIR, "copy --exec-file to %s/%s", j->root_path, name);
	snprintf(tmp, sizeof(tmp), ".%s.jailer-tmp", name);
	unlinkat(j->rootfd, tmp, 0);
	fd = openat(j->rootfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
	if (fd < 0)
		return jail_fail(j, errno, "copy --exec-file: create %s/%s", j->root_path, tmp);
	r = copy_fd(j->exec_fd, fd);
	if (!r && fchmod(fd, 0755))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	if (!r && renameat(j->rootfd, tmp, j->rootfd, name))
		r = -errno;
	if (r) {
		unlinkat(j->rootfd, tmp, 0);
		return jail_fail(j, -r, "copy %s to %s/%s", j->a->exec_file, j->root_path, name);
	}
	return existed ? 0 : jail_undo_push(j, UNDO_UNLINK, j->rootfd, name);
}

static const struct {
	const char *host;
	const char *dir; /* below <root>/dev, or NULL */
	const char *name;
} devices[] = {
    {"/dev/kvm", NULL, "kvm"},
    {"/dev/net/tun", "net", "tun"},
    {"/dev/vhost-net", NULL, "vhost-net"},
    {"/dev/userfaultfd", NULL, "userfaultfd"},
};

static int make_node(struct jail *j, int dirfd, const char *name, dev_t rdev, const char *path)
{
	struct stat st;
	int r;

	if (mknodat(dirfd, name, S_IFCHR | 0600, rdev) == 0) {
		r = jail_undo_push(j, UNDO_UNLINK, dirfd, name);
		if (r) {
			unlinkat(dirfd, name, 0);
			return r;
		}
	} else if (errno != EEXIST) {
		return jail_fail(j, errno, "create device node %s", path);
	} else if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISCHR(st.st_mode) ||
		   st.st_rdev != rdev) {
		/* Kept as it is, but nestbox must not be handed something else. */
		return jail_fail(j, EEXIST, "device node %s exists and is not the host's %u:%u",
				 path, major(rdev), minor(rdev));
	}
	if (fchownat(dirfd, name, j->a->uid, j->a->gid, AT_SYMLINK_NOFOLLOW))
		return jail_fail(j, errno, "chown device node %s", path);
	return 0;
}

/* The host's device nodes nestbox uses, where the host has them, owned by uid:gid. */
int jail_make_devices(struct jail *j)
{
	char path[PATH_MAX + 64];
	struct stat hs;
	int devfd = -1, netfd = -1, r;
	bool created;

	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		int fd;

		if (stat(devices[i].host, &hs) || !S_ISCHR(hs.st_mode))
			continue;
		if (devfd < 0) {
			snprintf(path, sizeof(path), "%s/dev", j->root_path);
			devfd = jail_mkdir(j, j->rootfd, "dev", path, false, &created);
			if (devfd < 0)
				return devfd;
		}
		fd = devfd;
		if (devices[i].dir) {
			if (netfd < 0) {
				snprintf(path, sizeof(path), "%s/dev/%s", j->root_path,
					 devices[i].dir);
				netfd = jail_mkdir(j, devfd, devices[i].dir, path, false, &created);
				if (netfd < 0)
					return netfd;
			}
			fd = netfd;
		}
		snprintf(path, sizeof(path), "%s%s", j->root_path, devices[i].host);
		r = make_node(j, fd, devices[i].name, hs.st_rdev, path);
		if (r)
			return r;
	}
	return 0;
}
