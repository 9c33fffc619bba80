/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nestbox-jailer: the command line, its validation and the pure helpers the
 * system steps use (path building, cgroup FILE=VALUE, rlimits, /proc/mounts).
 * Nothing here touches the system, so all of it is unit-tested.
 */
#ifndef NB_JAILER_JAIL_ARGS_H
#define NB_JAILER_JAIL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#define NB_JAIL_ID_MAX 64
#define NB_JAIL_MAX_CGROUPS 64
#define NB_JAIL_DEFAULT_BASE "/srv/jailer"
#define NB_JAIL_DEFAULT_NOFILE 2048
/* nb_jail_parse_args()'s answer to --help / --version. */
#define NB_JAIL_HELP 1
#define NB_JAIL_VERSION 2

/* One --cgroup FILE=VALUE, pointing into argv. */
struct nb_jail_cgroup {
	const char *file; /* not NUL-terminated at file_len: use the length */
	size_t file_len;
	size_t ctrl_len; /* the controller is file[0, ctrl_len) */
	const char *value;
};

struct nb_jail_args {
	const char *id;
	const char *exec_file;
	const char *exec_name; /* the last component of exec_file */
	uid_t uid;
	gid_t gid;
	const char *base_dir;
	const char *netns;
	bool daemonize;
	bool new_pid_ns;
	int cgroup_version;
	const char *parent_cgroup; /* NULL: exec_name */
	struct nb_jail_cgroup cgroups[NB_JAIL_MAX_CGROUPS];
	unsigned int n_cgroups;
	bool has_fsize;
	rlim_t fsize;
	rlim_t nofile;
	char **extra; /* the arguments after "--" */
	int n_extra;
};

/*
 * Parses and validates the whole command line. Returns 0, NB_JAIL_HELP,
 * NB_JAIL_VERSION or -EINVAL with a one-line reason in err.
 */
int nb_jail_parse_args(struct nb_jail_args *a, int argc, char **argv, char *err, size_t errlen);
extern const char nb_jail_usage[];

/* 1-64 characters of [A-Za-z0-9-]. */
bool nb_jail_id_valid(const char *id);
/* A path component made of [A-Za-z0-9._+-], not starting with '.'. */
bool nb_jail_name_valid(const char *name);
/* A relative path of names (as above) separated by single '/'. */
bool nb_jail_rel_path_valid(const char *path);
/* Decimal unsigned below UINT32_MAX (so never the "-1" id). */
int nb_jail_parse_id_number(const char *s, unsigned int *out);

/* "FILE=VALUE" with FILE "<controller>.<name>". 0 or -EINVAL. */
int nb_jail_parse_cgroup(const char *arg, struct nb_jail_cgroup *cg);
/* "fsize=N" or "no-file=N" (N decimal). 0 or -EINVAL. */
int nb_jail_parse_rlimit(const char *arg, int *resource, rlim_t *value);

/* "<base>/<exec-name>/<id>/root" (trailing '/' of base ignored). */
int nb_jail_root_path(const struct nb_jail_args *a, char *buf, size_t len);
/* "<mount>/<parent or exec-name>/<id>". */
int nb_jail_cgroup_path(const struct nb_jail_args *a, const char *mount, char *buf, size_t len);
/* The cgroup's location below the mount: "<parent or exec-name>/<id>". */
int nb_jail_cgroup_rel(const struct nb_jail_args *a, char *buf, size_t len);

/*
 * Finds a cgroup mount in the text of /proc/mounts: the first cgroup2 mount
 * (version 2), or the cgroup (v1) mount whose options name ctrl. Octal
 * escapes (\040) are decoded. 0, -ENOENT or -ENAMETOOLONG.
 */
int nb_jail_find_cgroup_mount(const char *mounts, int version, const char *ctrl, char *out,
			      size_t len);

/*
 * The argv nestbox gets: argv[0] exec_name, "--id", id, then the extra
 * arguments, then NULL. out must hold n_extra + 4 pointers.
 */
void nb_jail_exec_argv(const struct nb_jail_args *a, char **out);

#endif
