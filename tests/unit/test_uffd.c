// SPDX-License-Identifier: Apache-2.0
/*
 * The Uffd memory backend (vmm/uffd.c): the mappings' JSON, the send with
 * SCM_RIGHTS, every error branch with its message, and a fake page-fault
 * handler thread that receives the userfaultfd through a real socket and
 * serves the test's touches of anonymous guest memory (UFFDIO_COPY, then
 * UFFDIO_ZEROPAGE after the range was removed, UFFD_EVENT_REMOVE). Where
 * userfaultfd is not available (qemu-user, no privilege), that last test
 * says so and passes.
 *
 * Linked with -Wl,--wrap=sendmsg: fail_send makes the next send fail, so
 * that a handler which hangs up before nestbox sends is tested exactly.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/uffd.h"
#include "tests/unit/check_run.h"

#define BASE 0x80000000ULL
#define PAGE 4096u

static int fail_send; /* the next sendmsg fails with this errno */

ssize_t __real_sendmsg(int fd, const struct msghdr *mh, int flags);
ssize_t __wrap_sendmsg(int fd, const struct msghdr *mh, int flags);
ssize_t __wrap_sendmsg(int fd, const struct msghdr *mh, int flags)
{
	if (fail_send) {
		errno = fail_send;
		fail_send = 0;
		return -1;
	}
	return __real_sendmsg(fd, mh, flags);
}

static int count_fds(void)
{
	char path[64];
	int n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

/* A listening socket at a fresh path in @path. */
static int listen_at(char *path, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(path, len, "/tmp/nb-test-uffd-%d.sock", (int)getpid());
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

START_TEST(test_add_anon)
{
	struct nb_guest_mem m;
	uint8_t *p;

	nb_mem_init(&m);
	ck_assert_int_eq(nb_mem_add_anon(&m, BASE, 0), -EINVAL);
	ck_assert_int_eq(nb_mem_add_anon(&m, BASE + 1, PAGE), -EINVAL);
	ck_assert_int_eq(nb_mem_add_anon(&m, BASE, PAGE + 1), -EINVAL);
	ck_assert_int_eq(nb_mem_add_anon(&m, UINT64_MAX - PAGE + 1, 2 * PAGE), -EINVAL);
	ck_assert_int_eq(nb_mem_add_anon(&m, BASE, 4 * PAGE), 0);
	ck_assert_int_eq(nb_mem_add_anon(&m, BASE + PAGE, PAGE), -EINVAL); /* overlaps */
	ck_assert_int_eq(m.regions[0].fd, -1);
	p = nb_mem_ptr(&m, BASE, 4 * PAGE);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p[3 * PAGE], 0);
	p[3 * PAGE] = 7;
	for (unsigned int i = 1; i < NB_MEM_MAX_REGIONS; i++)
		ck_assert_int_eq(nb_mem_add_anon(&m, BASE + i * 16 * PAGE, PAGE), 0);
	ck_assert_int_eq(nb_mem_add_anon(&m, BASE + 64 * PAGE, PAGE), -ENOSPC);
	nb_mem_destroy(&m);
	nb_mem_destroy(&m);
}
END_TEST

START_TEST(test_mappings_json)
{
	struct nb_guest_mem m = {0};
	char buf[512], want[512];
	int n;

	m.regions[0] = (struct nb_mem_region){
	    .gpa = BASE, .size = 0x10000000, .host = (uint8_t *)(uintptr_t)0xffff00000000ULL};
	m.regions[1] = (struct nb_mem_region){.gpa = BASE + 0x20000000,
					      .size = 0x200000,
					      .host = (uint8_t *)(uintptr_t)0x7f0000000000ULL};
	m.nr = 0;
	ck_assert_int_eq(nb_uffd_mappings_json(&m, 4096, buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "[]");
	m.nr = 2;
	snprintf(want, sizeof(want),
		 "[{\"base_host_virt_addr\":%llu,\"size\":268435456,\"offset\":0,\"page_size\":"
		 "4096,\"page_size_kib\":4096},{\"base_host_virt_addr\":%llu,\"size\":2097152,"
		 "\"offset\":268435456,\"page_size\":4096,\"page_size_kib\":4096}]",
		 0xffff00000000ULL, 0x7f0000000000ULL);
	n = nb_uffd_mappings_json(&m, 4096, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_str_eq(buf, want);
	/* Every buffer too small by any amount is refused. */
	for (size_t len = 0; len <= strlen(want); len++)
		ck_assert_int_eq(nb_uffd_mappings_json(&m, 4096, buf, len), -ENOSPC);
}
END_TEST

/* The message and the fd arrive together; the fd is the same file. */
START_TEST(test_send_scm_rights)
{
	char msg[64] = "", ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = msg, .iov_len = sizeof(msg)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct stat a, b;
	struct cmsghdr *c;
	int sv[2], p[2], got;
	ssize_t n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(nb_uffd_send(sv[0], "[{\"x\":1}]", 9, p[0]), 0);
	n = recvmsg(sv[1], &mh, MSG_CMSG_CLOEXEC);
	ck_assert_int_eq(n, 9);
	ck_assert_mem_eq(msg, "[{\"x\":1}]", 9);
	c = CMSG_FIRSTHDR(&mh);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->cmsg_type, SCM_RIGHTS);
	memcpy(&got, CMSG_DATA(c), sizeof(int));
	ck_assert_int_eq(fstat(got, &a), 0);
	ck_assert_int_eq(fstat(p[0], &b), 0);
	ck_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	close(got);
	/* A peer that has hung up: EPIPE, and no SIGPIPE kills the process. */
	close(sv[1]);
	ck_assert_int_eq(nb_uffd_send(sv[0], "[]", 2, p[0]), -EPIPE);
	close(sv[0]);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_connect_errors)
{
	char path[108], longp[200];
	int l;

	ck_assert_int_eq(nb_uffd_connect("/nonexistent/handler.sock"), -ENOENT);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = 0;
	ck_assert_int_eq(nb_uffd_connect(longp), -ENAMETOOLONG);
	/* A socket file nobody listens on any more. */
	l = listen_at(path, sizeof(path));
	close(l);
	ck_assert_int_eq(nb_uffd_connect(path), -ECONNREFUSED);
	unlink(path);
}
END_TEST

/* Every failure of nb_uffd_setup: one line naming backend_path, nothing left open. */
START_TEST(test_setup_errors)
{
	struct nb_guest_mem m;
	struct nb_uffd u;
	char err[512], want[512], path[108], longp[120];
	int fds, l, r;

	nb_mem_init(&m);
	ck_assert_int_eq(nb_mem_add_anon(&m, BASE, 16 * PAGE), 0);
	r = nb_uffd_create();
	if (r < 0) {
		printf("test_uffd: no userfaultfd here (%s): setup errors not tested\n",
		       strerror(-r));
		nb_mem_destroy(&m);
		return;
	}
	close(r);
	fds = count_fds();

	r = nb_uffd_setup(&u, &m, "/nonexistent/handler.sock", err, sizeof(err));
	ck_assert_int_eq(r, -ENOENT);
	ck_assert_str_eq(err, "mem_backend.backend_path /nonexistent/handler.sock: no page-fault "
			      "handler there: No such file or directory");
	ck_assert(u.fd == -1 && u.conn == -1);
	ck_assert_int_eq(count_fds(), fds);

	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = 0;
	r = nb_uffd_setup(&u, &m, longp, err, sizeof(err));
	ck_assert_int_eq(r, -ENAMETOOLONG);
	snprintf(want, sizeof(want),
		 "mem_backend.backend_path %s: too long for a Unix socket (107 bytes at most)",
		 longp);
	ck_assert_str_eq(err, want);

	l = listen_at(path, sizeof(path));
	close(l);
	r = nb_uffd_setup(&u, &m, path, err, sizeof(err));
	ck_assert_int_eq(r, -ECONNREFUSED);
	snprintf(want, sizeof(want),
		 "mem_backend.backend_path %s: no page-fault handler there: Connection refused",
		 path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(count_fds(), fds);

	/* The handler hangs up before the userfaultfd is sent. */
	l = listen_at(path, sizeof(path));
	fail_send = EPIPE;
	r = nb_uffd_setup(&u, &m, path, err, sizeof(err));
	ck_assert_int_eq(r, -EPIPE);
	snprintf(want, sizeof(want),
		 "mem_backend.backend_path %s: the page-fault handler did not take the "
		 "userfaultfd: Broken pipe",
		 path);
	ck_assert_str_eq(err, want);
	ck_assert(u.fd == -1 && u.conn == -1);
	close(l);
	unlink(path);
	ck_assert_int_eq(count_fds(), fds);
	nb_mem_destroy(&m);
}
END_TEST

/*
 * The fake handler: takes the userfaultfd and the mappings from the socket,
 * fills a faulting page with its page number + 1 (UFFDIO_COPY), a removed
 * page with zeros (UFFDIO_ZEROPAGE), and ends when nestbox's side hangs up.
 */
struct handler {
	int listen_fd;
	unsigned long long base, size;
	int copies, zeros, removes;
	bool removed[64];
	char json[512];
};

static void serve_fault(struct handler *h, int uffd, unsigned long long addr)
{
	unsigned long long page = (addr - h->base) / PAGE;
	static uint8_t buf[PAGE] __attribute__((aligned(4096)));
	int r;

	if (h->removed[page]) {
		struct uffdio_zeropage z = {.range = {.start = h->base + page * PAGE, .len = PAGE}};

		r = ioctl(uffd, UFFDIO_ZEROPAGE, &z);
		h->zeros++;
	} else {
		struct uffdio_copy c = {
		    .dst = h->base + page * PAGE, .src = (uintptr_t)buf, .len = PAGE};

		memset(buf, (int)(page + 1), sizeof(buf));
		r = ioctl(uffd, UFFDIO_COPY, &c);
		h->copies++;
	}
	ck_assert(r == 0 || errno == EEXIST);
}

static void *handler_main(void *arg)
{
	struct handler *h = arg;
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = h->json, .iov_len = sizeof(h->json) - 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	int conn = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC), uffd;
	ssize_t n;

	ck_assert_int_ge(conn, 0);
	n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
	ck_assert_int_gt(n, 0);
	h->json[n] = 0;
	ck_assert_ptr_nonnull(CMSG_FIRSTHDR(&mh));
	memcpy(&uffd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	ck_assert_int_eq(
	    sscanf(h->json, "[{\"base_host_virt_addr\":%llu,\"size\":%llu", &h->base, &h->size), 2);
	for (;;) {
		struct pollfd p[2] = {{.fd = uffd, .events = POLLIN},
				      {.fd = conn, .events = POLLIN}};
		struct uffd_msg msg;

		ck_assert_int_ge(poll(p, 2, -1), 1);
		if (p[1].revents)
			break; /* nestbox hung up: the VM is gone */
		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event == UFFD_EVENT_PAGEFAULT) {
			serve_fault(h, uffd, msg.arg.pagefault.address);
		} else if (msg.event == UFFD_EVENT_REMOVE) {
			for (unsigned long long a = msg.arg.remove.start; a < msg.arg.remove.end;
			     a += PAGE)
				h->removed[(a - h->base) / PAGE] = true;
			h->removes++;
		}
	}
	close(uffd);
	close(conn);
	return NULL;
}

START_TEST(test_serve_faults)
{
	struct handler h = {0};
	struct nb_guest_mem m;
	struct nb_uffd u;
	pthread_t t;
	char err[256], path[108];
	volatile uint8_t *p;
	int r = nb_uffd_create();

	if (r < 0) {
		printf("test_uffd: no userfaultfd here (%s): the fake handler not run\n",
		       strerror(-r));
		return;
	}
	close(r);
	nb_mem_init(&m);
	ck_assert_int_eq(nb_mem_add_anon(&m, BASE, 16 * PAGE), 0);
	h.listen_fd = listen_at(path, sizeof(path));
	ck_assert_int_eq(pthread_create(&t, NULL, handler_main, &h), 0);
	r = nb_uffd_setup(&u, &m, path, err, sizeof(err));
	ck_assert_msg(r == 0, "%s", err);
	ck_assert(u.fd >= 0 && u.conn >= 0);
	p = nb_mem_ptr(&m, BASE, 16 * PAGE);
	/* Each first touch is served from the "file": page number + 1. */
	for (unsigned int i = 0; i < 16; i++)
		ck_assert_uint_eq(p[i * PAGE + 5], i + 1);
	ck_assert_uint_eq(p[PAGE - 1], 1);
	p[2 * PAGE] = 0xaa; /* present: no fault */
	ck_assert_uint_eq(p[2 * PAGE], 0xaa);
	/* The balloon's give-back: a REMOVE event, then zeros on the next touch. */
	ck_assert_int_eq(madvise((void *)(p + 2 * PAGE), 2 * PAGE, MADV_DONTNEED), 0);
	ck_assert_uint_eq(p[2 * PAGE], 0);
	ck_assert_uint_eq(p[3 * PAGE + 9], 0);
	ck_assert_uint_eq(p[4 * PAGE], 5);
	/* nestbox's side closes: the handler ends. */
	nb_uffd_close(&u);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(h.copies, 16);
	ck_assert_int_eq(h.zeros, 2);
	ck_assert_int_eq(h.removes, 1);
	ck_assert_uint_eq(h.base, (uintptr_t)p);
	ck_assert_uint_eq(h.size, 16 * PAGE);
	nb_mem_destroy(&m);
	close(h.listen_fd);
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uffd");
	TCase *tc = tcase_create("core");

	signal(SIGPIPE, SIG_DFL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_add_anon);
	tcase_add_test(tc, test_mappings_json);
	tcase_add_test(tc, test_send_scm_rights);
	tcase_add_test(tc, test_connect_errors);
	tcase_add_test(tc, test_setup_errors);
	tcase_add_test(tc, test_serve_faults);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
