// SPDX-License-Identifier: Apache-2.0
/* nestbox-jailer: command line, validation and the pure helpers. */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "jailer/jail_args.h"
#include "tests/unit/check_run.h"

#define MAX_ARGS 160

static struct nb_jail_args a;
static char err[512];

/* Parses "nestbox-jailer" + the NULL-terminated arguments. */
static int parse(const char *first, ...)
{
	static char *argv[MAX_ARGS];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)"nestbox-jailer";
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		argv[argc++] = (char *)s;
	va_end(ap);
	argv[argc] = NULL;
	return nb_jail_parse_args(&a, argc, argv, err, sizeof(err));
}

#define BASE "--id", "vm-1", "--exec-file", "/usr/bin/nestbox", "--uid", "123", "--gid", "100"

/* Refused with -EINVAL and a one-line reason containing want. */
#define ck_refused(want, ...)                                                                      \
	do {                                                                                       \
		ck_assert_int_eq(parse(__VA_ARGS__, NULL), -EINVAL);                               \
		ck_assert_msg(strstr(err, want), "'%s' lacks '%s'", err, want);                    \
		ck_assert_ptr_null(strchr(err, '\n'));                                             \
	} while (0)

START_TEST(test_minimal_and_defaults)
{
	ck_assert_int_eq(parse(BASE, NULL), 0);
	ck_assert_str_eq(a.id, "vm-1");
	ck_assert_str_eq(a.exec_file, "/usr/bin/nestbox");
	ck_assert_str_eq(a.exec_name, "nestbox");
	ck_assert_uint_eq(a.uid, 123);
	ck_assert_uint_eq(a.gid, 100);
	ck_assert_str_eq(a.base_dir, "/srv/jailer");
	ck_assert_int_eq(a.cgroup_version, 1);
	ck_assert_ptr_null(a.netns);
	ck_assert_ptr_null(a.parent_cgroup);
	ck_assert(!a.daemonize && !a.new_pid_ns && !a.has_fsize);
	ck_assert_uint_eq(a.nofile, 2048);
	ck_assert_uint_eq(a.n_cgroups, 0);
	ck_assert_int_eq(a.n_extra, 0);
	/* A bare name is a file in the current directory. */
	ck_assert_int_eq(
	    parse("--id", "x", "--exec-file", "nestbox", "--uid", "0", "--gid", "0", NULL), 0);
	ck_assert_str_eq(a.exec_name, "nestbox");
}
END_TEST

START_TEST(test_all_flags)
{
	ck_assert_int_eq(parse("--id=abc-DEF-123", "--exec-file=/opt/nb/nestbox-1.0",
			       "--uid=4294967294", "--gid", "0", "--chroot-base-dir", "/var/jail/",
			       "--netns", "/var/run/netns/n1", "--daemonize", "--new-pid-ns",
			       "--cgroup-version", "2", "--cgroup", "pids.max=64",
			       "--cgroup=cpu.max=50000 100000", "--parent-cgroup", "all_vms/ext",
			       "--resource-limit", "fsize=1000", "--resource-limit=no-file=64",
			       "--", "--config-file", "/vm.json", "--", NULL),
			 0);
	ck_assert_str_eq(a.id, "abc-DEF-123");
	ck_assert_str_eq(a.exec_name, "nestbox-1.0");
	ck_assert_uint_eq(a.uid, 4294967294u);
	ck_assert_uint_eq(a.gid, 0);
	ck_assert_str_eq(a.base_dir, "/var/jail/");
	ck_assert_str_eq(a.netns, "/var/run/netns/n1");
	ck_assert(a.daemonize && a.new_pid_ns);
	ck_assert_int_eq(a.cgroup_version, 2);
	ck_assert_uint_eq(a.n_cgroups, 2);
	ck_assert_uint_eq(a.cgroups[0].file_len, 8);
	ck_assert_uint_eq(a.cgroups[0].ctrl_len, 4);
	ck_assert_str_eq(a.cgroups[0].value, "64");
	ck_assert_int_eq(strncmp(a.cgroups[1].file, "cpu.max", a.cgroups[1].file_len), 0);
	ck_assert_uint_eq(a.cgroups[1].ctrl_len, 3);
	ck_assert_str_eq(a.cgroups[1].value, "50000 100000");
	ck_assert_str_eq(a.parent_cgroup, "all_vms/ext");
	ck_assert(a.has_fsize);
	ck_assert_uint_eq(a.fsize, 1000);
	ck_assert_uint_eq(a.nofile, 64);
	ck_assert_int_eq(a.n_extra, 3);
	ck_assert_str_eq(a.extra[0], "--config-file");
	ck_assert_str_eq(a.extra[2], "--");
}
END_TEST

START_TEST(test_help_version)
{
	ck_assert_int_eq(parse("--help", NULL), NB_JAIL_HELP);
	ck_assert_int_eq(parse("--id", "x", "--version", NULL), NB_JAIL_VERSION);
	ck_assert_ptr_nonnull(strstr(nb_jail_usage, "--resource-limit"));
}
END_TEST

START_TEST(test_missing)
{
	ck_refused("missing --id", "--exec-file", "/n", "--uid", "1", "--gid", "1");
	ck_refused("missing --exec-file", "--id", "x", "--uid", "1", "--gid", "1");
	ck_refused("missing --uid", "--id", "x", "--exec-file", "/n", "--gid", "1");
	ck_refused("missing --gid", "--id", "x", "--exec-file", "/n", "--uid", "1");
	ck_refused("--id needs a value", "--exec-file", "/n", "--id");
}
END_TEST

START_TEST(test_bad_command_line)
{
	ck_refused("unknown argument '--frobnicate'", BASE, "--frobnicate");
	ck_refused("unknown argument 'stray'", BASE, "stray");
	ck_refused("unknown argument '-i'", "-i", "x");
	ck_refused("--id given twice", BASE, "--id", "y");
	ck_refused("--chroot-base-dir given twice", BASE, "--chroot-base-dir", "/a",
		   "--chroot-base-dir", "/b");
	ck_refused("--daemonize takes no value", BASE, "--daemonize=yes");
	ck_refused("--new-pid-ns given twice", BASE, "--new-pid-ns", "--new-pid-ns");
	ck_refused("the jailer passes --id itself", BASE, "--", "--id", "other");
	ck_refused("the jailer passes --id itself", BASE, "--", "--id=other");
	/* Repeatable flags are fine. */
	ck_assert_int_eq(parse(BASE, "--cgroup", "a.b=1", "--cgroup", "a.b=2", NULL), 0);
	ck_assert_int_eq(parse(BASE, "--", NULL), 0);
	ck_assert_int_eq(a.n_extra, 0);
}
END_TEST

START_TEST(test_ids)
{
	char id64[65], id65[66];

	memset(id64, 'a', 64);
	id64[64] = '\0';
	memset(id65, 'b', 65);
	id65[65] = '\0';
	ck_assert(nb_jail_id_valid(id64));
	ck_assert(!nb_jail_id_valid(id65));
	ck_assert(nb_jail_id_valid("-"));
	ck_assert(!nb_jail_id_valid(""));
	ck_assert(!nb_jail_id_valid("../escape"));
	ck_assert(!nb_jail_id_valid("a_b"));
	ck_assert(!nb_jail_id_valid("a.b"));
	ck_assert(!nb_jail_id_valid("a/b"));
	ck_assert(!nb_jail_id_valid("a b"));
	ck_refused("--id '../escape'", "--id", "../escape", "--exec-file", "/n", "--uid", "1",
		   "--gid", "1");
	ck_refused("--id ''", "--id", "", "--exec-file", "/n", "--uid", "1", "--gid", "1");
	ck_refused("1-64 characters", "--id", id65, "--exec-file", "/n", "--uid", "1", "--gid",
		   "1");
	ck_assert_int_eq(parse("--id", id64, "--exec-file", "/n", "--uid", "1", "--gid", "1", NULL),
			 0);
}
END_TEST

START_TEST(test_exec_file)
{
	ck_assert(nb_jail_name_valid("nestbox"));
	ck_assert(nb_jail_name_valid("nest_box-1.2+x"));
	ck_assert(!nb_jail_name_valid(""));
	ck_assert(!nb_jail_name_valid("."));
	ck_assert(!nb_jail_name_valid(".."));
	ck_assert(!nb_jail_name_valid(".hidden"));
	ck_assert(!nb_jail_name_valid("a b"));
	ck_assert(!nb_jail_name_valid("a\nb"));
	ck_refused("--exec-file '/usr/bin/'", "--id", "x", "--exec-file", "/usr/bin/", "--uid", "1",
		   "--gid", "1");
	ck_refused("--exec-file '/x/..'", "--id", "x", "--exec-file", "/x/..", "--uid", "1",
		   "--gid", "1");
	ck_refused("--exec-file ''", "--id", "x", "--exec-file", "", "--uid", "1", "--gid", "1");
	ck_refused("--exec-file '/a/.nb'", "--id", "x", "--exec-file", "/a/.nb", "--uid", "1",
		   "--gid", "1");
}
END_TEST

START_TEST(test_uid_gid)
{
	unsigned int v;

	ck_assert_int_eq(nb_jail_parse_id_number("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(nb_jail_parse_id_number("4294967294", &v), 0);
	ck_assert_uint_eq(v, 4294967294u);
	ck_assert_int_eq(nb_jail_parse_id_number("4294967295", &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_id_number("99999999999999999999999", &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_id_number("-1", &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_id_number("+1", &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_id_number(" 1", &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_id_number("12x", &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_id_number("", &v), -EINVAL);
	ck_refused("--uid 'root'", "--id", "x", "--exec-file", "/n", "--uid", "root", "--gid", "1");
	ck_refused("--gid '-1'", "--id", "x", "--exec-file", "/n", "--uid", "1", "--gid", "-1");
}
END_TEST

START_TEST(test_paths)
{
	ck_refused("--chroot-base-dir 'srv'", BASE, "--chroot-base-dir", "srv");
	ck_refused("--chroot-base-dir ''", BASE, "--chroot-base-dir", "");
	ck_refused("--chroot-base-dir '/a/../b'", BASE, "--chroot-base-dir", "/a/../b");
	ck_refused("--chroot-base-dir '/a/./b'", BASE, "--chroot-base-dir", "/a/./b");
	ck_refused("--chroot-base-dir '/a//b'", BASE, "--chroot-base-dir", "/a//b");
	ck_refused("--chroot-base-dir '/a/..'", BASE, "--chroot-base-dir", "/a/..");
	ck_assert_int_eq(parse(BASE, "--chroot-base-dir", "/", NULL), 0);
	ck_assert_int_eq(parse(BASE, "--chroot-base-dir", "/home/u/.cache/j x", NULL), 0);
	ck_refused("--netns 'netns/x'", BASE, "--netns", "netns/x");
	ck_refused("--netns ''", BASE, "--netns", "");
	ck_refused("--parent-cgroup '/abs'", BASE, "--parent-cgroup", "/abs");
	ck_refused("--parent-cgroup 'a/../b'", BASE, "--parent-cgroup", "a/../b");
	ck_refused("--parent-cgroup 'a//b'", BASE, "--parent-cgroup", "a//b");
	ck_refused("--parent-cgroup 'a/'", BASE, "--parent-cgroup", "a/");
	ck_refused("--parent-cgroup ''", BASE, "--parent-cgroup", "");
	ck_assert(nb_jail_rel_path_valid("a"));
	ck_assert(nb_jail_rel_path_valid("a.b/c-d/e_f"));
	ck_assert(!nb_jail_rel_path_valid("a/./b"));
	ck_assert(!nb_jail_rel_path_valid("a/.."));
}
END_TEST

START_TEST(test_cgroup_version)
{
	ck_refused("--cgroup-version '3'", BASE, "--cgroup-version", "3");
	ck_refused("--cgroup-version 'v2'", BASE, "--cgroup-version", "v2");
	ck_refused("--cgroup-version ''", BASE, "--cgroup-version", "");
	ck_assert_int_eq(parse(BASE, "--cgroup-version", "1", NULL), 0);
	ck_assert_int_eq(a.cgroup_version, 1);
}
END_TEST

START_TEST(test_cgroup_values)
{
	static const char *const bad[] = {
	    "pids.max",	     "pids.max=",    "pids=1",	   ".max=1",	    "pids.=1",	  "=1",
	    "../pids.max=1", "pids/x.max=1", "PIDS.max=1", "pids.max=1\n2", "pids max=1", "",
	};
	struct nb_jail_cgroup cg;
	char *argv[2 * NB_JAIL_MAX_CGROUPS + 12];
	int argc = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(nb_jail_parse_cgroup(bad[i], &cg) == -EINVAL, "%s", bad[i]);
		ck_assert_int_eq(parse(BASE, "--cgroup", bad[i], NULL), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "<controller>.<file>=<value>"));
	}
	ck_assert_int_eq(nb_jail_parse_cgroup("cpuset.cpus=0-3", &cg), 0);
	ck_assert_uint_eq(cg.file_len, 11);
	ck_assert_uint_eq(cg.ctrl_len, 6);
	ck_assert_str_eq(cg.value, "0-3");
	ck_assert_int_eq(nb_jail_parse_cgroup("memory.max=a=b", &cg), 0);
	ck_assert_str_eq(cg.value, "a=b");
	ck_assert_int_eq(nb_jail_parse_cgroup("cgroup.max.depth=2", &cg), 0);
	ck_assert_uint_eq(cg.ctrl_len, 6);

	/* At most NB_JAIL_MAX_CGROUPS. */
	argv[argc++] = (char *)"nestbox-jailer";
	for (const char *const *s = (const char *const[]){BASE, NULL}; *s; s++)
		argv[argc++] = (char *)*s;
	for (int i = 0; i < NB_JAIL_MAX_CGROUPS; i++) {
		argv[argc++] = (char *)"--cgroup";
		argv[argc++] = (char *)"pids.max=1";
	}
	ck_assert_int_eq(nb_jail_parse_args(&a, argc, argv, err, sizeof(err)), 0);
	ck_assert_uint_eq(a.n_cgroups, NB_JAIL_MAX_CGROUPS);
	argv[argc++] = (char *)"--cgroup";
	argv[argc++] = (char *)"pids.max=1";
	ck_assert_int_eq(nb_jail_parse_args(&a, argc, argv, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "at most 64"));
}
END_TEST

START_TEST(test_rlimits)
{
	int res;
	rlim_t v;

	ck_assert_int_eq(nb_jail_parse_rlimit("fsize=0", &res, &v), 0);
	ck_assert_int_eq(res, RLIMIT_FSIZE);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(nb_jail_parse_rlimit("no-file=1024", &res, &v), 0);
	ck_assert_int_eq(res, RLIMIT_NOFILE);
	ck_assert_uint_eq(v, 1024);
	ck_assert_int_eq(nb_jail_parse_rlimit("fsize=18446744073709551614", &res, &v), 0);
	ck_assert_int_eq(nb_jail_parse_rlimit("fsize=18446744073709551615", &res, &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_rlimit("fsize=18446744073709551616", &res, &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_rlimit("fsize=", &res, &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_rlimit("fsize=-1", &res, &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_rlimit("fsize=1k", &res, &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_rlimit("nofile=1", &res, &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_rlimit("cpu=1", &res, &v), -EINVAL);
	ck_assert_int_eq(nb_jail_parse_rlimit("fsize", &res, &v), -EINVAL);
	ck_refused("--resource-limit 'as=1'", BASE, "--resource-limit", "as=1");
	/* The last one of a kind wins; the other keeps its default. */
	ck_assert_int_eq(
	    parse(BASE, "--resource-limit", "fsize=5", "--resource-limit", "fsize=7", NULL), 0);
	ck_assert(a.has_fsize);
	ck_assert_uint_eq(a.fsize, 7);
	ck_assert_uint_eq(a.nofile, 2048);
}
END_TEST

START_TEST(test_path_building)
{
	char buf[256];

	ck_assert_int_eq(parse(BASE, NULL), 0);
	ck_assert_int_eq(nb_jail_root_path(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/srv/jailer/nestbox/vm-1/root");
	ck_assert_int_eq(nb_jail_cgroup_rel(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "nestbox/vm-1");
	ck_assert_int_eq(nb_jail_cgroup_path(&a, "/sys/fs/cgroup", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/sys/fs/cgroup/nestbox/vm-1");
	ck_assert_int_eq(nb_jail_root_path(&a, buf, 30), 0); /* exactly fits */
	ck_assert_int_eq(nb_jail_root_path(&a, buf, 29), -ENAMETOOLONG);
	ck_assert_int_eq(nb_jail_cgroup_path(&a, "/sys/fs/cgroup", buf, 10), -ENAMETOOLONG);

	ck_assert_int_eq(parse(BASE, "--chroot-base-dir", "/j/", "--parent-cgroup", "a/b", NULL),
			 0);
	ck_assert_int_eq(nb_jail_root_path(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/j/nestbox/vm-1/root");
	ck_assert_int_eq(nb_jail_cgroup_path(&a, "/sys/fs/cgroup/pids/", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/sys/fs/cgroup/pids/a/b/vm-1");
	ck_assert_int_eq(parse(BASE, "--chroot-base-dir", "/", NULL), 0);
	ck_assert_int_eq(nb_jail_root_path(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/nestbox/vm-1/root");
}
END_TEST

static const char mounts[] =
    "sysfs /sys sysfs rw,nosuid 0 0\n"
    "tmpfs /sys/fs/cgroup tmpfs rw,mode=755 0 0\n"
    "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,relatime,cpu,cpuacct 0 0\n"
    "cgroup /sys/fs/cgroup/sys\\040temd cgroup rw,name=systemd 0 0\n"
    "cgroup /sys/fs/cgroup/pids cgroup rw,nosuid,pids 0 0\n"
    "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nsdelegate 0 0\n"
    "cgroup2 /other cgroup2 rw 0 0\n"
    "short line\n"
    "cgroup /last cgroup rw,memory";

START_TEST(test_find_cgroup_mount)
{
	char out[128];

	ck_assert_int_eq(nb_jail_find_cgroup_mount(mounts, 2, NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/unified");
	ck_assert_int_eq(nb_jail_find_cgroup_mount(mounts, 2, "pids", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/unified");
	ck_assert_int_eq(nb_jail_find_cgroup_mount(mounts, 1, "pids", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/pids");
	ck_assert_int_eq(nb_jail_find_cgroup_mount(mounts, 1, "cpuacct", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/cpu,cpuacct");
	ck_assert_int_eq(nb_jail_find_cgroup_mount(mounts, 1, "cpu", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/cpu,cpuacct");
	ck_assert_int_eq(nb_jail_find_cgroup_mount(mounts, 1, "name=systemd", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/sys temd");
	ck_assert_int_eq(nb_jail_find_cgroup_mount(mounts, 1, "memory", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/last");
	ck_assert_int_eq(nb_jail_find_cgroup_mount(mounts, 1, "systemd", out, sizeof(out)),
			 -ENOENT);
	ck_assert_int_eq(nb_jail_find_cgroup_mount(mounts, 1, "cpuset", out, sizeof(out)), -ENOENT);
	ck_assert_int_eq(nb_jail_find_cgroup_mount(mounts, 1, "rw", out, sizeof(out)), -ENOENT);
	ck_assert_int_eq(nb_jail_find_cgroup_mount(mounts, 1, NULL, out, sizeof(out)), -ENOENT);
	ck_assert_int_eq(nb_jail_find_cgroup_mount("", 2, NULL, out, sizeof(out)), -ENOENT);
	ck_assert_int_eq(nb_jail_find_cgroup_mount(mounts, 1, "pids", out, 8), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_exec_argv)
{
	char *argv[8];

	ck_assert_int_eq(parse(BASE, "--", "--no-api", "--kernel", "/Image", NULL), 0);
	nb_jail_exec_argv(&a, argv);
	ck_assert_str_eq(argv[0], "nestbox");
	ck_assert_str_eq(argv[1], "--id");
	ck_assert_str_eq(argv[2], "vm-1");
	ck_assert_str_eq(argv[3], "--no-api");
	ck_assert_str_eq(argv[5], "/Image");
	ck_assert_ptr_null(argv[6]);
	ck_assert_int_eq(parse(BASE, NULL), 0);
	nb_jail_exec_argv(&a, argv);
	ck_assert_ptr_null(argv[3]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jailer");
	TCase *tc = tcase_create("jailer");

	tcase_add_test(tc, test_minimal_and_defaults);
	tcase_add_test(tc, test_all_flags);
	tcase_add_test(tc, test_help_version);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_bad_command_line);
	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_exec_file);
	tcase_add_test(tc, test_uid_gid);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_cgroup_version);
	tcase_add_test(tc, test_cgroup_values);
	tcase_add_test(tc, test_rlimits);
	tcase_add_test(tc, test_path_building);
	tcase_add_test(tc, test_find_cgroup_mount);
	tcase_add_test(tc, test_exec_argv);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
