// SPDX-License-Identifier: Apache-2.0
/*
 * The seccomp filter files: the built-in set (parses, every entry has its
 * reason, the argument values match the headers' constants, each kind
 * compiles), every parser error, and installation in forked children: an
 * allowed call passes, a forbidden one kills with SIGSYS, and each built-in
 * rule with argument conditions allows its arguments and kills on altered
 * ones (the children make raw syscalls only, so the sanitizers stay out).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <linux/vhost.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_run.h"
#include "vmm/seccomp.h"

#define SKIP_STATUS 77 /* the child could not install a filter (qemu-user) */

/* qemu-user (the cross build's ctest) has no seccomp: libseccomp builds nothing there. */
static bool have_seccomp(void)
{
	uint32_t action = SECCOMP_RET_KILL_PROCESS;

	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0)
		return true;
	fprintf(stderr, "test_seccomp: no seccomp here (qemu-user?): building and installing "
			"filters not tested\n");
	return false;
}

static struct nb_seccomp *parse_ok(const char *json)
{
	struct nb_seccomp *s;
	char err[256] = "";

	ck_assert_msg(nb_seccomp_new(&s, json, strlen(json), NB_SECCOMP_ON, err, sizeof(err)) == 0,
		      "%s", err);
	return s;
}

START_TEST(builtin_parses_and_compiles)
{
	struct nb_seccomp *s = parse_ok(nb_seccomp_builtin_json);
	char err[256] = "";

	for (int k = 0; k < NB_SECCOMP_KINDS; k++) {
		ck_assert_uint_gt(nb_seccomp_count(s, k), 5);
		if (!have_seccomp())
			continue;
		ck_assert_msg(nb_seccomp_compile(s, k, err, sizeof(err)) == 0, "%s", err);
		/* Cached: a second call builds nothing. */
		ck_assert_int_eq(nb_seccomp_compile(s, k, err, sizeof(err)), 0);
	}
	ck_assert_str_eq(nb_seccomp_kind_name(NB_SECCOMP_VCPU), "vcpu");
	nb_seccomp_free(s);
	/* The lazy built-in set: the same lists, parsed at the first use. */
	ck_assert_int_eq(nb_seccomp_builtin(&s, NB_SECCOMP_LOG), 0);
	ck_assert_uint_gt(nb_seccomp_count(s, NB_SECCOMP_VCPU), 5);
	nb_seccomp_free(s);
	ck_assert_int_eq(nb_seccomp_builtin(&s, NB_SECCOMP_ON), 0);
	if (have_seccomp())
		ck_assert_msg(nb_seccomp_compile(s, NB_SECCOMP_API, err, sizeof(err)) == 0, "%s",
			      err);
	ck_assert_str_eq(nb_seccomp_kind_name(NB_SECCOMP_KINDS), "?");
	nb_seccomp_free(s);
	nb_seccomp_free(NULL);
}
END_TEST

/* The constants the built-in conditions name in their comments. */
static const struct {
	const char *name;
	unsigned long value;
} known[] = {
    {"KVM_RUN", KVM_RUN},
    {"KVM_IRQ_LINE", KVM_IRQ_LINE},
    {"KVM_GET_ONE_REG", KVM_GET_ONE_REG},
    {"KVM_GET_REG_LIST", KVM_GET_REG_LIST},
    {"KVM_GET_MP_STATE", KVM_GET_MP_STATE},
    {"KVM_HAS_DEVICE_ATTR", KVM_HAS_DEVICE_ATTR},
    {"KVM_GET_DEVICE_ATTR", KVM_GET_DEVICE_ATTR},
    {"KVM_GET_DIRTY_LOG", KVM_GET_DIRTY_LOG},
    {"TUNSETOFFLOAD", TUNSETOFFLOAD},
    {"TUNSETVNETHDRSZ", TUNSETVNETHDRSZ},
    {"VHOST_SET_FEATURES", VHOST_SET_FEATURES},
    {"VHOST_SET_MEM_TABLE", VHOST_SET_MEM_TABLE},
    {"VHOST_SET_VRING_NUM", VHOST_SET_VRING_NUM},
    {"VHOST_SET_VRING_BASE", VHOST_SET_VRING_BASE},
    {"VHOST_SET_VRING_ADDR", VHOST_SET_VRING_ADDR},
    {"VHOST_SET_VRING_KICK", VHOST_SET_VRING_KICK},
    {"VHOST_SET_VRING_CALL", VHOST_SET_VRING_CALL},
    {"VHOST_NET_SET_BACKEND", VHOST_NET_SET_BACKEND},
    {"VHOST_GET_VRING_BASE", VHOST_GET_VRING_BASE},
    {"MADV_DONTNEED", MADV_DONTNEED},
    {"MADV_REMOVE", MADV_REMOVE},
    {"AF_UNIX", AF_UNIX},
    {"PR_GET_NAME", PR_GET_NAME},
    {"not PROT_EXEC", 0},
    {"MAP_PRIVATE|MAP_ANONYMOUS", MAP_PRIVATE | MAP_ANONYMOUS},
    {"MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE", MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE},
    {"MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK", MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK},
};

static const char *comment(struct json_object *o)
{
	struct json_object *c;

	if (!json_object_object_get_ex(o, "comment", &c) ||
	    !json_object_is_type(c, json_type_string))
		return NULL;
	return json_object_get_string(c);
}

START_TEST(builtin_entries_have_reasons_and_true_constants)
{
	struct json_object *root = json_tokener_parse(nb_seccomp_builtin_json);
	const char *kinds[] = {"vmm", "vcpu", "api"};

	ck_assert_ptr_nonnull(root);
	for (size_t k = 0; k < 3; k++) {
		struct json_object *kind, *filter;

		ck_assert(json_object_object_get_ex(root, kinds[k], &kind));
		ck_assert(json_object_object_get_ex(kind, "filter", &filter));
		for (size_t i = 0; i < json_object_array_length(filter); i++) {
			struct json_object *rule = json_object_array_get_idx(filter, i), *args;
			const char *why = comment(rule);

			ck_assert_msg(why && *why, "%s.filter[%zu]: no comment", kinds[k], i);
			if (!json_object_object_get_ex(rule, "args", &args))
				continue;
			for (size_t j = 0; j < json_object_array_length(args); j++) {
				struct json_object *a = json_object_array_get_idx(args, j), *v;
				const char *name = comment(a);
				size_t n;

				ck_assert_msg(name, "%s.filter[%zu].args[%zu]: no comment",
					      kinds[k], i, j);
				for (n = 0; n < sizeof(known) / sizeof(known[0]); n++)
					if (!strcmp(known[n].name, name))
						break;
				ck_assert_msg(n < sizeof(known) / sizeof(known[0]),
					      "%s: add it to the test's table", name);
				ck_assert(json_object_object_get_ex(a, "val", &v));
				ck_assert_msg(strtoul(json_object_get_string(v), NULL, 0) ==
						  known[n].value,
					      "%s.filter[%zu]: %s is 0x%lx", kinds[k], i, name,
					      known[n].value);
			}
		}
	}
	json_object_put(root);
}
END_TEST

START_TEST(values_and_ops)
{
	/* Numbers and strings; every op; a qword and a dword masked_eq; kill_thread, trap, log. */
	struct nb_seccomp *s = parse_ok(
	    "{ \"comment\": \"x\",\n"
	    "  \"vmm\": { \"default_action\": \"kill_thread\", \"comment\": \"y\", \"filter\": [\n"
	    "    { \"syscall\": \"ioctl\", \"args\": [ { \"index\": 1, \"type\": \"dword\", "
	    "\"op\": \"eq\", \"val\": 44672 } ] },\n"
	    "    { \"syscall\": \"ioctl\", \"args\": [ { \"index\": 1, \"type\": \"qword\", "
	    "\"op\": \"ne\", \"val\": \"0x10\" }, { \"index\": 0, \"type\": \"qword\", \"op\": "
	    "\"lt\", \"val\": 9 } ] },\n"
	    "    { \"syscall\": \"read\", \"args\": [ { \"index\": 2, \"type\": \"qword\", \"op\": "
	    "\"le\", \"val\": 9 } ] },\n"
	    "    { \"syscall\": \"write\", \"args\": [ { \"index\": 2, \"type\": \"qword\", "
	    "\"op\": "
	    "\"gt\", \"val\": 9 } ] },\n"
	    "    { \"syscall\": \"close\", \"args\": [ { \"index\": 0, \"type\": \"qword\", "
	    "\"op\": "
	    "\"ge\", \"val\": 3 } ] },\n"
	    "    { \"syscall\": \"mmap\", \"args\": [ { \"index\": 2, \"type\": \"dword\", \"op\": "
	    "\"masked_eq\", \"mask\": \"0x4\", \"val\": 0 }, { \"index\": 3, \"type\": \"qword\", "
	    "\"op\": \"masked_eq\", \"mask\": 255, \"val\": 34 } ] } ] },\n"
	    "  \"vcpu\": { \"default_action\": \"trap\", \"filter\": [ { \"syscall\": \"exit\" } ] "
	    "},\n"
	    "  \"api\": { \"default_action\": \"log\", \"filter\": [] } }\n");
	char err[256] = "";

	ck_assert_uint_eq(nb_seccomp_count(s, NB_SECCOMP_VMM), 5);
	ck_assert_uint_eq(nb_seccomp_count(s, NB_SECCOMP_API), 0);
	for (int k = 0; have_seccomp() && k < NB_SECCOMP_KINDS; k++)
		ck_assert_msg(nb_seccomp_compile(s, k, err, sizeof(err)) == 0, "%s", err);
	nb_seccomp_free(s);
}
END_TEST

/* Every malformed input: -EINVAL and a one-line error containing @want. */
static const struct {
	const char *json, *want;
} bad[] = {
#define K3(vmm) "{ \"vmm\": " vmm ", \"vcpu\": { \"filter\": [] }, \"api\": { \"filter\": [] } }"
#define R(rule) K3("{ \"filter\": [ " rule " ] }")
#define A(arg) R("{ \"syscall\": \"ioctl\", \"args\": [ " arg " ] }")
    {"", "not valid JSON"},
    {"{ \"vmm\": ", "not valid JSON"},
    {"{ } x", "not valid JSON"},
    {"[]", "the top level must be an object"},
    {"{ \"vmm\": { \"filter\": [] }, \"vcpu\": { \"filter\": [] }, \"api\": { \"filter\": [] }, "
     "\"io\": {} }",
     "unknown thread kind 'io'"},
    {"{ \"vmm\": { \"filter\": [] }, \"api\": { \"filter\": [] } }",
     "no filter for thread kind 'vcpu'"},
    {K3("[]"), "vmm: must be an object with a \"filter\" list"},
    {K3("{ }"), "vmm: must be an object with a \"filter\" list"},
    {K3("{ \"filter\": {} }"), "vmm: must be an object with a \"filter\" list"},
    {K3("{ \"filter\": [], \"rules\": [] }"), "vmm: unknown key 'rules'"},
    {K3("{ \"filter\": [], \"a\\nb\": 1 }"), "vmm: unknown key 'a?b' "},
    {R("{ \"syscall\": \"x123456789x123456789x123456789x123456789x123456789\" }"),
     "unknown syscall 'x123456789x123456789x123456789x123456789...' "},
    {K3("{ \"filter\": [], \"default_action\": \"allow\" }"), "vmm: default_action must be"},
    {K3("{ \"filter\": [], \"default_action\": 1 }"), "vmm: default_action must be"},
    {R("\"read\""), "vmm.filter[0]: not an object"},
    {R("{ \"name\": \"read\" }"), "vmm.filter[0]: unknown key 'name'"},
    {R("{ \"comment\": \"x\" }"), "vmm.filter[0]: no \"syscall\" name"},
    {R("{ \"syscall\": 63 }"), "vmm.filter[0]: no \"syscall\" name"},
    {R("{ \"syscall\": \"read\" }, { \"syscall\": \"epoll_wait\" }"),
     "vmm.filter[1]: unknown syscall 'epoll_wait'"},
    {R("{ \"syscall\": \"a_very_long_name_that_is_no_syscall_at_all\" }"), "unknown syscall"},
    {R("{ \"syscall\": \"ioctl\", \"args\": {} }"),
     "vmm.filter[0] (ioctl): \"args\" must be a list"},
    {R("{ \"syscall\": \"ioctl\", \"args\": [] }"), "\"args\" takes 1 to 6 conditions"},
    {A("1, 2, 3, 4, 5, 6, 7"), "\"args\" takes 1 to 6 conditions"},
    {A("1"), "vmm.filter[0] (ioctl).args[0]: not an object"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"eq\", \"val\": 1, \"value\": 2 }"),
     "args[0]: unknown key 'value'"},
    {A("{ \"type\": \"dword\", \"op\": \"eq\", \"val\": 1 }"), "\"index\" must be"},
    {A("{ \"index\": 6, \"type\": \"dword\", \"op\": \"eq\", \"val\": 1 }"), "\"index\" must be"},
    {A("{ \"index\": \"1\", \"type\": \"dword\", \"op\": \"eq\", \"val\": 1 }"),
     "\"index\" must be"},
    {A("{ \"index\": -1, \"type\": \"dword\", \"op\": \"eq\", \"val\": 1 }"), "\"index\" must be"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"eq\", \"val\": 1 }, { \"index\": 1, "
       "\"type\": \"dword\", \"op\": \"eq\", \"val\": 2 }"),
     "args[1]: a second condition on argument 1"},
    {A("{ \"index\": 1, \"op\": \"eq\", \"val\": 1 }"), "\"type\" must be"},
    {A("{ \"index\": 1, \"type\": \"word\", \"op\": \"eq\", \"val\": 1 }"), "\"type\" must be"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"val\": 1 }"), "\"op\" must be one of"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"equal\", \"val\": 1 }"),
     "\"op\" must be one of"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": 1, \"val\": 1 }"), "\"op\" must be one of"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"lt\", \"val\": 1 }"),
     "op lt needs \"type\": \"qword\""},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"eq\" }"), "\"val\" must be a number"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"eq\", \"val\": -1 }"),
     "\"val\" must be a number"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"eq\", \"val\": \"0x1g\" }"),
     "\"val\" must be a number"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"eq\", \"val\": \"\" }"),
     "\"val\" must be a number"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"eq\", \"val\": \"-1\" }"),
     "\"val\" must be a number"},
    {A("{ \"index\": 1, \"type\": \"qword\", \"op\": \"eq\", \"val\": \"0x10000000000000000\" }"),
     "\"val\" must be a number"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"eq\", \"val\": 1.5 }"),
     "\"val\" must be a number"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"masked_eq\", \"val\": 1 }"),
     "masked_eq needs a \"mask\""},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"masked_eq\", \"val\": 1, \"mask\": [] }"),
     "masked_eq needs a \"mask\""},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"eq\", \"val\": 1, \"mask\": 1 }"),
     "\"mask\" goes with masked_eq only"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"eq\", \"val\": \"0x100000000\" }"),
     "must fit in 32 bits"},
    {A("{ \"index\": 1, \"type\": \"dword\", \"op\": \"masked_eq\", \"val\": 0, \"mask\": "
       "\"0x100000000\" }"),
     "must fit in 32 bits"},
    {A("{ \"index\": 1, \"type\": \"qword\", \"op\": \"masked_eq\", \"val\": 3, \"mask\": 1 }"),
     "val has bits outside mask"},
#undef A
#undef R
#undef K3
};

START_TEST(bad_input)
{
	struct nb_seccomp *s = (void *)1;
	char err[256] = "";
	int r =
	    nb_seccomp_new(&s, bad[_i].json, strlen(bad[_i].json), NB_SECCOMP_ON, err, sizeof(err));

	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, bad[_i].want), "input %d: got '%s', want '%s'", _i, err,
		      bad[_i].want);
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(nul_after_the_object)
{
	static const char text[] = "{ }\0";
	struct nb_seccomp *s;
	char err[256];

	ck_assert_int_eq(
	    nb_seccomp_new(&s, text, sizeof(text) - 1, NB_SECCOMP_ON, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not valid JSON"));
}
END_TEST

START_TEST(too_large)
{
	size_t n = (1 << 20) + 1;
	char *big = malloc(n), err[256];
	struct nb_seccomp *s;

	memset(big, ' ', n);
	ck_assert_int_eq(nb_seccomp_new(&s, big, n, NB_SECCOMP_ON, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a filter set"));
	free(big);
}
END_TEST

START_TEST(files)
{
	char path[] = "/tmp/nb-seccomp-XXXXXX", err[512];
	struct nb_seccomp *s;
	int fd = mkstemp(path);
	const char *bad_json = "{ \"vmm\": 1 }";

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, bad_json, strlen(bad_json)), (ssize_t)strlen(bad_json));
	close(fd);
	ck_assert_int_eq(nb_seccomp_from_file(&s, path, NB_SECCOMP_ON, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "seccomp filter /tmp/nb-seccomp-"));
	ck_assert_ptr_nonnull(strstr(err, ": vmm: must be an object"));
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, nb_seccomp_builtin_json, strlen(nb_seccomp_builtin_json)),
			 (ssize_t)strlen(nb_seccomp_builtin_json));
	close(fd);
	ck_assert_int_eq(nb_seccomp_from_file(&s, path, NB_SECCOMP_LOG, err, sizeof(err)), 0);
	nb_seccomp_free(s);
	unlink(path);
	ck_assert_int_eq(nb_seccomp_from_file(&s, path, NB_SECCOMP_ON, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	ck_assert_int_eq(nb_seccomp_from_file(&s, "/", NB_SECCOMP_ON, err, sizeof(err)), -EISDIR);
}
END_TEST

/*
 * In a forked child: install @k's filter of @s, make syscall @nr with
 * @args, then exit(0) through @exit_nr. The child's end as a wait status.
 */
static int child(struct nb_seccomp *s, enum nb_seccomp_kind k, long nr, const long args[6],
		 long exit_nr)
{
	char err[256];
	int status;
	pid_t pid;

	if (!have_seccomp())
		return SKIP_STATUS << 8;
	/* Built in the parent: the child only installs and makes raw syscalls. */
	ck_assert_msg(nb_seccomp_compile(s, k, err, sizeof(err)) == 0, "%s", err);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (nb_seccomp_apply(s, k, err, sizeof(err)))
			_exit(SKIP_STATUS);
		syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
		syscall(exit_nr, 0);
		_exit(3);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static bool skipped(int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP_STATUS) {
		fprintf(stderr,
			"test_seccomp: no seccomp here (qemu-user?): install tests skipped\n");
		return true;
	}
	return false;
}

START_TEST(install_allows_and_kills)
{
	struct nb_seccomp *s =
	    parse_ok("{ \"vmm\": { \"filter\": [ { \"syscall\": \"getppid\" }, { \"syscall\": "
		     "\"exit_group\" } "
		     "] }, \"vcpu\": { \"filter\": [] }, \"api\": { \"filter\": [] } }");
	const long none[6] = {0};
	int st;

	st = child(s, NB_SECCOMP_VMM, SYS_getppid, none, SYS_exit_group);
	if (skipped(st))
		goto out;
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
	st = child(s, NB_SECCOMP_VMM, SYS_getuid, none, SYS_exit_group);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status 0x%x", st);
out:
	nb_seccomp_free(s);
}
END_TEST

START_TEST(null_set_installs_nothing)
{
	char err[64];

	ck_assert_int_eq(nb_seccomp_apply(NULL, NB_SECCOMP_VMM, err, sizeof(err)), 0);
}
END_TEST

/* Whether another entry of @filter for @nr allows @value for argument @idx. */
static bool allowed_elsewhere(struct json_object *filter, const char *name, int idx,
			      unsigned long value)
{
	for (size_t i = 0; i < json_object_array_length(filter); i++) {
		struct json_object *rule = json_object_array_get_idx(filter, i), *sc, *args;

		json_object_object_get_ex(rule, "syscall", &sc);
		if (strcmp(json_object_get_string(sc), name) ||
		    !json_object_object_get_ex(rule, "args", &args))
			continue;
		for (size_t j = 0; j < json_object_array_length(args); j++) {
			struct json_object *c = json_object_array_get_idx(args, j), *x;

			json_object_object_get_ex(c, "index", &x);
			if (json_object_get_int(x) != idx)
				continue;
			json_object_object_get_ex(c, "val", &x);
			if (strtoul(json_object_get_string(x), NULL, 0) == value)
				return true;
		}
	}
	return false;
}

/* The built-in rules with conditions: allowed as written, killed when one condition is off. */
START_TEST(builtin_conditions)
{
	struct json_object *root = json_tokener_parse(nb_seccomp_builtin_json);
	struct nb_seccomp *s = parse_ok(nb_seccomp_builtin_json);
	const char *kinds[] = {"vmm", "vcpu", "api"};
	int tried = 0;

	for (int k = 0; k < NB_SECCOMP_KINDS; k++) {
		struct json_object *kind, *filter;
		bool has_exit_group = false;

		json_object_object_get_ex(root, kinds[k], &kind);
		json_object_object_get_ex(kind, "filter", &filter);
		for (size_t i = 0; i < json_object_array_length(filter); i++) {
			struct json_object *sc;

			json_object_object_get_ex(json_object_array_get_idx(filter, i), "syscall",
						  &sc);
			has_exit_group |= !strcmp(json_object_get_string(sc), "exit_group");
		}
		for (size_t i = 0; i < json_object_array_length(filter); i++) {
			struct json_object *rule = json_object_array_get_idx(filter, i), *sc, *args;
			long a[6] = {-1, -1, -1, -1, -1, -1}, nr;
			int st;

			if (!json_object_object_get_ex(rule, "args", &args))
				continue;
			json_object_object_get_ex(rule, "syscall", &sc);
			nr = seccomp_syscall_resolve_name(json_object_get_string(sc));
			ck_assert_int_ge(nr, 0);
			/* Unconstrained arguments are -1: every such call fails harmlessly. */
			for (size_t j = 0; j < json_object_array_length(args); j++) {
				struct json_object *c = json_object_array_get_idx(args, j), *x;

				json_object_object_get_ex(c, "index", &x);
				int idx = json_object_get_int(x);
				json_object_object_get_ex(c, "val", &x);
				a[idx] = (long)strtoul(json_object_get_string(x), NULL, 0);
			}
			st = child(s, k, nr, a, has_exit_group ? SYS_exit_group : SYS_exit);
			if (skipped(st))
				goto out;
			ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
				      "%s.filter[%zu]: allowed form: status 0x%x", kinds[k], i, st);
			/* Each condition off in turn: the first condition's low bit flipped. */
			for (size_t j = 0; j < json_object_array_length(args); j++) {
				struct json_object *c = json_object_array_get_idx(args, j), *x;
				long b[6];
				unsigned long mask = 0xffffffff;

				memcpy(b, a, sizeof(b));
				json_object_object_get_ex(c, "index", &x);
				int idx = json_object_get_int(x);
				if (json_object_object_get_ex(c, "mask", &x))
					mask = strtoul(json_object_get_string(x), NULL, 0);
				/* The lowest bit of the mask whose flip no other entry allows. */
				for (unsigned long bit = 1; bit && bit <= mask; bit <<= 1) {
					if (!(mask & bit) ||
					    allowed_elsewhere(filter, json_object_get_string(sc),
							      idx, (unsigned long)a[idx] ^ bit))
						continue;
					b[idx] = (long)((unsigned long)a[idx] ^ bit);
					break;
				}
				ck_assert(b[idx] != a[idx]);
				st = child(s, k, nr, b, has_exit_group ? SYS_exit_group : SYS_exit);
				ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
					      "%s.filter[%zu].args[%zu]: altered: status 0x%x",
					      kinds[k], i, j, st);
			}
			tried++;
		}
	}
	ck_assert_int_gt(tried, 5);
out:
	nb_seccomp_free(s);
	json_object_put(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("seccomp");
	TCase *tc = tcase_create("seccomp");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, builtin_parses_and_compiles);
	tcase_add_test(tc, builtin_entries_have_reasons_and_true_constants);
	tcase_add_test(tc, values_and_ops);
	tcase_add_loop_test(tc, bad_input, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, nul_after_the_object);
	tcase_add_test(tc, too_large);
	tcase_add_test(tc, files);
	tcase_add_test(tc, install_allows_and_kills);
	tcase_add_test(tc, null_set_installs_nothing);
	tcase_add_test(tc, builtin_conditions);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
