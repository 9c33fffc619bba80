// SPDX-License-Identifier: Apache-2.0
/*
 * nestbox-jailer: the order of the steps, the namespaces, the privilege drop
 * and the exec. Every step before the exec reports one line and undoes what
 * was built; with --new-pid-ns the child reports through a pipe and the
 * parent undoes.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jailer/jail.h"

/* Everything that can be checked before anything is built. */
static int preflight(struct jail *j, bool will_fork)
{
	const struct nb_jail_args *a = j->a;
	struct stat st;
	int fd;

	fd = open(a->exec_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jail_fail(j, errno, "--exec-file %s", a->exec_file);
	j->exec_fd = fd;
	if (fstat(fd, &st))
		return jail_fail(j, errno, "--exec-file %s", a->exec_file);
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return jail_fail(j, 0, "--exec-file %s: not an executable regular file",
				 a->exec_file);
	if (a->netns) {
		fd = open(a->netns, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return jail_fail(j, errno, "--netns %s", a->netns);
		j->netns_fd = fd;
		if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET)
			return jail_fail(j, 0, "--netns %s: not a network namespace", a->netns);
	}
	if (a->daemonize) {
		/* Without a fork, setsid() fails for a process group leader. */
		if (!will_fork && getpgrp() == getpid())
			return jail_fail(j, 0,
					 "--daemonize: the jailer is a process group leader, so "
					 "setsid() would fail (start it from a child process)");
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return jail_fail(j, errno, "--daemonize: open /dev/null");
		j->devnull_fd = fd;
	}
	return 0;
}

static int enter_jail(struct jail *j)
{
	const char *root = j->root_path;

	if (j->netns_fd >= 0 && setns(j->netns_fd, CLONE_NEWNET))
		return jail_fail(j, errno, "--netns %s: setns", j->a->netns);
	if (unshare(CLONE_NEWNS))
		return jail_fail(j, errno, "mount namespace: unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return jail_fail(j, errno, "mount namespace: make / private");
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL))
		return jail_fail(j, errno, "bind-mount %s onto itself", root);
	if (chdir(root))
		return jail_fail(j, errno, "chdir %s", root);
	/* The old root lands on top of the new one and is detached at once. */
	if (syscall(SYS_pivot_root, ".", "."))
		return jail_fail(j, errno, "pivot_root into %s", root);
	if (umount2(".", MNT_DETACH))
		return jail_fail(j, errno, "detach the old root");
	if (chdir("/"))
		return jail_fail(j, errno, "chdir / in the jail");
	return 0;
}

static int set_rlimits(struct jail *j)
{
	const struct nb_jail_args *a = j->a;
	struct rlimit rl;

	if (a->has_fsize) {
		rl.rlim_cur = rl.rlim_max = a->fsize;
		if (setrlimit(RLIMIT_FSIZE, &rl))
			return jail_fail(j, errno, "--resource-limit fsize=%llu",
					 (unsigned long long)a->fsize);
	}
	rl.rlim_cur = rl.rlim_max = a->nofile;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return jail_fail(j, errno, "--resource-limit no-file=%llu",
				 (unsigned long long)a->nofile);
	return 0;
}

static void close_range_or_loop(unsigned int lo, unsigned int hi)
{
	if (lo > hi)
		return;
	if (close_range(lo, hi, 0) == 0)
		return;
	/* Old kernel: the no-file limit is set, so this loop is bounded. */
	for (unsigned int fd = lo; fd <= hi && fd < NB_JAIL_DEFAULT_NOFILE * 512; fd++)
		close((int)fd);
}

/* Closes every fd above 2 but the ones in keep (at most two, -1 for none). */
static void close_fds(int keep1, int keep2)
{
	int lo = keep1 < keep2 ? keep1 : keep2, hi = keep1 < keep2 ? keep2 : keep1;
	unsigned int next = 3;

	if (lo >= 3) {
		close_range_or_loop(next, (unsigned int)lo - 1);
		next = (unsigned int)lo + 1;
	}
	if (hi >= 3 && hi != lo) {
		close_range_or_loop(next, (unsigned int)hi - 1);
		next = (unsigned int)hi + 1;
	}
	close_range_or_loop(next, ~0U);
}

/* No supplementary groups, uid:gid, and no capabilities (even for uid 0). */
static int drop_privileges(struct jail *j)
{
	const struct nb_jail_args *a = j->a;
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];

	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno == EINVAL)
			break;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (setgroups(0, NULL))
		return jail_fail(j, errno, "drop privileges: setgroups");
	if (setresgid(a->gid, a->gid, a->gid))
		return jail_fail(j, errno, "drop privileges: gid %u", (unsigned int)a->gid);
	if (setresuid(a->uid, a->uid, a->uid))
		return jail_fail(j, errno, "drop privileges: uid %u", (unsigned int)a->uid);
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data))
		return jail_fail(j, errno, "drop privileges: capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return jail_fail(j, errno, "drop privileges: no_new_privs");
	return 0;
}

/*
 * The last steps, in the process that becomes nestbox. Returns only on a
 * failure; *undoable says whether the jail may still be taken down.
 */
static int finish(struct jail *j, int keep_fd, bool *undoable)
{
	const struct nb_jail_args *a = j->a;
	char **argv = calloc((size_t)a->n_extra + 4, sizeof(char *));
	char path[300], *envp[] = {NULL};
	sigset_t none;
	int r;

	*undoable = true;
	if (!argv)
		return jail_fail(j, ENOMEM, "exec");
	r = set_rlimits(j);
	if (!r)
		r = jail_cgroup_join(j);
	if (r) {
		free(argv);
		return r;
	}
	/* From here the host fds are gone: the jail stays as it is. */
	*undoable = false;
	close_fds(keep_fd, j->devnull_fd);
	r = drop_privileges(j);
	if (!r && a->daemonize) {
		if (setsid() < 0)
			r = jail_fail(j, errno, "--daemonize: setsid");
		else if (dup2(j->devnull_fd, 0) < 0 || dup2(j->devnull_fd, 1) < 0 ||
			 dup2(j->devnull_fd, 2) < 0)
			r = jail_fail(j, errno, "--daemonize: redirect stdio to /dev/null");
		close(j->devnull_fd);
	}
	if (!r) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		nb_jail_exec_argv(a, argv);
		snprintf(path, sizeof(path), "/%s", a->exec_name);
		execve(path, argv, envp);
		r = jail_fail(j, errno, "exec %s in the jail %s", path, j->root_path);
	}
	free(argv);
	return r;
}

/* --new-pid-ns: the parent writes <exec-name>.pid, reports the child's failure or waits for it. */
static int parent(struct jail *j, pid_t child, int rfd, const sigset_t *sigs)
{
	char msg[1100], name[300], num[32];
	ssize_t n, got = 0;
	int status, r, fd;
	bool existed;
	struct stat st;

	snprintf(name, sizeof(name), "%s.pid", j->a->exec_name);
	existed = fstatat(j->rootfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	fd = openat(j->rootfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0 && !existed)
		jail_undo_push(j, UNDO_UNLINK, j->rootfd, name);
	snprintf(num, sizeof(num), "%d", (int)child);
	if (fd < 0 || write(fd, num, strlen(num)) < 0) {
		jail_fail(j, errno, "write the pid file %s/%s", j->root_path, name);
		kill(child, SIGKILL);
	}
	if (fd >= 0)
		close(fd);
	/* EOF without a message: the exec happened (the pipe is close-on-exec). */
	while ((n = read(rfd, msg + got, sizeof(msg) - 1 - (size_t)got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += n;
	}
	close(rfd);
	if (got) {
		if (write(2, msg, (size_t)got) < 0) {
			/* stderr is gone */
		}
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		jail_undo_run(j);
		return 1;
	}
	jail_close_held(j);
	if (j->a->daemonize)
		return 0;
	/* Stay as the child's parent: pass termination signals on, exit as it does. */
	for (;;) {
		siginfo_t si;

		r = sigwaitinfo(sigs, &si);
		if (r < 0)
			continue;
		if (r != SIGCHLD) {
			kill(child, r);
			continue;
		}
		if (waitpid(child, &status, WNOHANG) == child) {
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			return 128 + WTERMSIG(status);
		}
	}
}

static int run_jail(struct jail *j)
{
	const struct nb_jail_args *a = j->a;
	int r, fds[2];
	bool undoable;
	sigset_t sigs;
	pid_t pid;

	r = preflight(j, a->new_pid_ns);
	if (!r)
		r = jail_build_dirs(j);
	if (!r)
		r = jail_copy_exec(j);
	if (!r)
		r = jail_make_devices(j);
	if (!r) {
		/* nestbox creates its API socket in its root. */
		struct stat st;

		if (fstat(j->rootfd, &st) || fchown(j->rootfd, a->uid, a->gid))
			r = jail_fail(j, errno, "chown %s", j->root_path);
		else if (!(r = jail_undo_push(j, UNDO_CHOWN, j->rootfd, ""))) {
			j->undo[j->n_undo - 1].uid = st.st_uid;
			j->undo[j->n_undo - 1].gid = st.st_gid;
		}
	}
	if (!r)
		r = jail_cgroups(j);
	if (!r) {
		j->jailed = true;
		r = enter_jail(j);
	}
	if (r) {
		jail_undo_run(j);
		return 1;
	}
	if (!a->new_pid_ns) {
		r = finish(j, -1, &undoable);
		if (undoable)
			jail_undo_run(j);
		return 1;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGQUIT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	if (unshare(CLONE_NEWPID)) {
		jail_fail(j, errno, "--new-pid-ns: unshare");
		jail_undo_run(j);
		return 1;
	}
	if (pipe2(fds, O_CLOEXEC)) {
		jail_fail(j, errno, "--new-pid-ns: pipe");
		jail_undo_run(j);
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		jail_fail(j, errno, "--new-pid-ns: fork");
		close(fds[0]);
		close(fds[1]);
		jail_undo_run(j);
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		j->err_fd = fds[1];
		finish(j, fds[1], &undoable);
		_exit(1);
	}
	close(fds[1]);
	return parent(j, pid, fds[0], &sigs);
}

int nb_jail_run(const struct nb_jail_args *a)
{
	struct jail *j = calloc(1, sizeof(*j));
	bool jailed;
	int r;

	if (!j) {
		fprintf(stderr, "nestbox-jailer: out of memory\n");
		return 1;
	}
	j->a = a;
	j->rootfd = j->exec_fd = j->netns_fd = j->devnull_fd = -1;
	j->err_fd = 2;
	umask(022);
	r = run_jail(j);
	jail_close_held(j);
	if (j->exec_fd >= 0)
		close(j->exec_fd);
	if (j->netns_fd >= 0)
		close(j->netns_fd);
	if (j->devnull_fd >= 0)
		close(j->devnull_fd);
	jailed = j->jailed;
	free(j);
	/* The sanitizers' exit-time checks need /proc, which the jail has not. */
	if (jailed)
		_exit(r);
	return r;
}
