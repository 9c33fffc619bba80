// SPDX-License-Identifier: Apache-2.0
/*
 * The jailer test's stand-in for nestbox (linked statically, so it runs in an
 * empty jail): reports what it was given as key=value lines on stdout, or in
 * the file named by --out. --sleep N waits N seconds after reporting, so
 * that the test can look at its cgroup while it runs.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void report_ls(FILE *f)
{
	DIR *d = opendir("/");
	char *names[256];
	struct dirent *e;
	int n = 0;

	fprintf(f, "ls=");
	while (d && (e = readdir(d)) && n < 256)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%s%s", i ? " " : "", names[i]);
		free(names[i]);
	}
	fprintf(f, "\n");
}

static void report_rlimit(FILE *f, const char *name, int res)
{
	struct rlimit rl;

	getrlimit(res, &rl);
	if (rl.rlim_cur == RLIM_INFINITY)
		fprintf(f, "%s=unlimited\n", name);
	else
		fprintf(f, "%s=%llu/%llu\n", name, (unsigned long long)rl.rlim_cur,
			(unsigned long long)rl.rlim_max);
}

int main(int argc, char **argv)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct caps[2];
	struct if_nameindex *ifs;
	gid_t groups[64];
	char cwd[4096];
	const char *out = NULL;
	int sleep_s = 0, ng, bnd = 0;
	struct stat st;
	FILE *f = stdout;

	for (int i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
		if (!strcmp(argv[i], "--sleep"))
			sleep_s = atoi(argv[i + 1]);
	}
	if (out && !(f = fopen(out, "w")))
		return 2;
	fprintf(f, "uid=%u euid=%u gid=%u egid=%u\n", getuid(), geteuid(), getgid(), getegid());
	ng = getgroups(64, groups);
	fprintf(f, "groups=%d\n", ng);
	memset(caps, 0, sizeof(caps));
	syscall(SYS_capget, &hdr, caps);
	for (int c = 0; c < 64; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			bnd++;
	fprintf(f, "caps=%x/%x/%x/%x bounding=%d nnp=%d\n", caps[0].effective, caps[1].effective,
		caps[0].permitted, caps[1].permitted, bnd, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	fprintf(f, "cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	report_ls(f);
	fprintf(f, "pid=%d sid_is_pid=%d\n", (int)getpid(), getsid(0) == getpid());
	report_rlimit(f, "fsize", RLIMIT_FSIZE);
	report_rlimit(f, "nofile", RLIMIT_NOFILE);
	fprintf(f, "argv=");
	for (int i = 0; i < argc; i++)
		fprintf(f, "%s%s", i ? " " : "", argv[i]);
	fprintf(f, "\nfds=");
	for (int fd = 0, n = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0 && !(out && f && fd == fileno(f)))
			fprintf(f, "%s%d", n++ ? "," : "", fd);
	fprintf(f, "\nstdout=");
	if (fstat(1, &st) == 0 && S_ISCHR(st.st_mode))
		fprintf(f, "chr:%u:%u", major(st.st_rdev), minor(st.st_rdev));
	fprintf(f, "\nenv=%d\nifaces=", environ && environ[0] ? 1 : 0);
	ifs = if_nameindex();
	for (int i = 0; ifs && ifs[i].if_index; i++)
		fprintf(f, "%s%s", i ? "," : "", ifs[i].if_name);
	if (ifs)
		if_freenameindex(ifs);
	fprintf(f, "\ndone\n");
	fflush(f);
	if (out)
		fclose(f);
	if (sleep_s)
		sleep((unsigned int)sleep_s);
	return 0;
}
