/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nestbox-jailer: the system steps. nb_jail_run() builds the jail and execs
 * the copied binary; on a failure it prints one line naming the step and
 * undoes what it created (directories, files, device nodes, cgroups,
 * controllers it enabled), keeping whatever existed before.
 */
#ifndef NB_JAILER_JAIL_H
#define NB_JAILER_JAIL_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "jailer/jail_args.h"

#define JAIL_MAX_UNDO 256
#define JAIL_MAX_HELD 256
#define JAIL_MAX_HIER 16

enum jail_undo_kind {
	UNDO_RMDIR,  /* unlinkat(dirfd, name, AT_REMOVEDIR) */
	UNDO_UNLINK, /* unlinkat(dirfd, name, 0) */
	UNDO_CHOWN,  /* fchownat(dirfd, name, uid, gid) back */
	UNDO_WRITE,  /* write data to dirfd/name (a cgroup controller off) */
};

struct jail_undo {
	enum jail_undo_kind kind;
	int dirfd;
	char name[256];
	uid_t uid;
	gid_t gid;
	char data[64];
};

struct jail {
	const struct nb_jail_args *a;
	char root_path[PATH_MAX];
	int rootfd;
	int exec_fd;	/* the source exec file, opened by the preflight */
	int netns_fd;	/* -1 without --netns */
	int devnull_fd; /* -1 without --daemonize */
	int err_fd;	/* where a failure is reported: 2, or the child's pipe */
	bool jailed;	/* in the jail's mount namespace: no /proc any more */
	int cg_procs[JAIL_MAX_HIER];
	int n_cg;
	int held[JAIL_MAX_HELD]; /* directory fds the undo list refers to */
	int n_held;
	struct jail_undo undo[JAIL_MAX_UNDO];
	int n_undo;
};

/* Runs the jailer; returns the exit status (only on failure without a fork). */
int nb_jail_run(const struct nb_jail_args *a);

/* Internal to jailer/. */
int jail_fail(struct jail *j, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int jail_hold(struct jail *j, int fd);
int jail_undo_push(struct jail *j, enum jail_undo_kind kind, int dirfd, const char *name);
void jail_undo_run(struct jail *j);
void jail_close_held(struct jail *j);
/* mkdirat (recorded when created) then open it; follow: allow a symlink. */
int jail_mkdir(struct jail *j, int dirfd, const char *name, const char *path, bool follow,
	       bool *created);
int jail_write_at(int dirfd, const char *name, const char *data);
int jail_read_at(int dirfd, const char *name, char *buf, size_t len);

int jail_build_dirs(struct jail *j);
int jail_copy_exec(struct jail *j);
int jail_make_devices(struct jail *j);
int jail_cgroups(struct jail *j);
int jail_cgroup_join(struct jail *j);

#endif
