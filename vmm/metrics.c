// SPDX-License-Identifier: Apache-2.0
/* Counters as atomics, flushed as one JSON line to a file or FIFO that never blocks. */
#include "vmm/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vmm/logger.h"

atomic_uint_fast64_t nb_metrics_counters[NB_M_NR];

static const struct {
	const char *group, *name;
	bool delta;
} counters[NB_M_NR] = {
#define NB_METRIC_DESC(id, g, n, d) [NB_M_##id] = {g, n, d},
    NB_METRICS_COUNTERS(NB_METRIC_DESC)
#undef NB_METRIC_DESC
};

/* The API's resources by path ("*": one segment), with Firecracker's names. */
static const struct {
	const char *path, *name;
} resources[] = {
    {"", "instance_info"},
    {"version", "vmm_version"},
    {"vm/config", "vm_config"},
    {"actions", "actions"},
    {"boot-source", "boot_source"},
    {"cpu-config", "cpu_cfg"},
    {"drives/*", "drive"},
    {"machine-config", "machine_cfg"},
    {"entropy", "entropy"},
    {"serial", "serial"},
    {"vm", "vm"},
    {"snapshot/create", "create_snapshot"},
    {"snapshot/load", "load_snapshot"},
    {"network-interfaces/*", "network"},
    {"vsock", "vsock"},
    {"balloon", "balloon"},
    {"balloon/statistics", "balloon_stats"},
    {"balloon/hinting/*", "balloon_hinting"},
    {"logger", "logger"},
    {"metrics", "metrics"},
    {"mmds", "mmds"},
    {"mmds/config", "mmds_config"},
    {"pmem/*", "pmem"},
    {"hotplug/memory", "hotplug_memory"},
};
#define NR_RES (sizeof(resources) / sizeof(resources[0]))
#define RES_INVALID NR_RES /* any other path */
#define NR_METHODS 3

static const char *const method_groups[NR_METHODS] = {"get_api_requests", "put_api_requests",
						      "patch_api_requests"};

/* [method][resource][0: count, 1: fails] */
static atomic_uint_fast64_t api_counts[NR_METHODS][NR_RES + 1][2];

/* Written by nb_metrics_init() and nb_metrics_close() on the VMM thread only. */
static struct {
	bool configured;
	int fd, tfd;
	atomic_uint_fast64_t missed, fails; /* lines lost: incomplete, or not written */
} mx = {.fd = -1, .tfd = -1};

/* Whether @path (@len bytes, no leading or trailing slash) matches @pattern. */
static bool path_match(const char *pattern, const char *path, size_t len)
{
	size_t pl = strlen(pattern);

	if (pl >= 2 && !strcmp(pattern + pl - 2, "/*")) {
		pl -= 1; /* "drives/" */
		return len > pl && !strncmp(path, pattern, pl) && !memchr(path + pl, '/', len - pl);
	}
	return len == pl && !strncmp(path, pattern, len);
}

void nb_metrics_api_request(unsigned int method, const char *path, size_t path_len, int status)
{
	size_t res = RES_INVALID;

	while (path_len && *path == '/')
		path++, path_len--;
	if (path_len && path[path_len - 1] == '/')
		path_len--;
	for (size_t i = 0; i < NR_RES && res == RES_INVALID; i++)
		if (path_match(resources[i].path, path, path_len))
			res = i;
	if (method >= NR_METHODS)
		return;
	atomic_fetch_add_explicit(&api_counts[method][res][0], 1, memory_order_relaxed);
	if (status >= 400)
		atomic_fetch_add_explicit(&api_counts[method][res][1], 1, memory_order_relaxed);
}

int nb_metrics_init(const struct nb_metrics_config *m, char *err, size_t errlen)
{
	struct itimerspec its = {.it_interval = {NB_METRICS_PERIOD_S, 0},
				 .it_value = {NB_METRICS_PERIOD_S, 0}};
	int fd, tfd, e;

	if (mx.configured) {
		snprintf(err, errlen, "metrics: the metrics can be configured only once");
		return -EALREADY;
	}
	fd = open(m->metrics_path, O_RDWR | O_APPEND | O_NONBLOCK | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "metrics.metrics_path: open %s: %s", m->metrics_path,
			 strerror(e));
		return -e;
	}
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) {
		e = errno;
		snprintf(err, errlen, "metrics: timerfd: %s", strerror(e));
		if (tfd >= 0)
			close(tfd);
		close(fd);
		return -e;
	}
	mx.fd = fd;
	mx.tfd = tfd;
	mx.configured = true;
	return 0;
}

bool nb_metrics_configured(void)
{
	return mx.configured;
}

int nb_metrics_timer_fd(void)
{
	return mx.tfd;
}

void nb_metrics_close(void)
{
	if (!mx.configured)
		return;
	close(mx.fd);
	close(mx.tfd);
	mx.fd = mx.tfd = -1;
	mx.configured = false;
}

/* @root's object @name, made if missing; NULL when out of memory. */
static struct json_object *group(struct json_object *root, const char *name)
{
	struct json_object *g;

	if (json_object_object_get_ex(root, name, &g))
		return g;
	g = json_object_new_object();
	if (g && json_object_object_add(root, name, g)) {
		json_object_put(g);
		g = NULL;
	}
	return g;
}

static bool put_u64(struct json_object *g, const char *key, uint64_t v)
{
	struct json_object *n = json_object_new_uint64(v);

	if (!n || json_object_object_add(g, key, n)) {
		json_object_put(n);
		return false;
	}
	return true;
}

static uint64_t take(atomic_uint_fast64_t *c, bool delta)
{
	return delta ? atomic_exchange_explicit(c, 0, memory_order_relaxed)
		     : atomic_load_explicit(c, memory_order_relaxed);
}

bool nb_metrics_add_deltas(struct json_object *root, const char *name, const char *const *names,
			   const uint64_t *now, uint64_t *prev, unsigned int n)
{
	struct json_object *g = group(root, name);

	for (unsigned int i = 0; g && i < n; i++) {
		/* A total below the previous one: the device was built again. */
		if (!put_u64(g, names[i], now[i] >= prev[i] ? now[i] - prev[i] : now[i]))
			return false;
		prev[i] = now[i];
	}
	return g;
}

/* nestbox's resident set in KiB, from /proc/self/statm (0 when unreadable). */
static uint64_t rss_kib(void)
{
	unsigned long long size = 0, res = 0;
	char buf[128];
	ssize_t n;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (sscanf(buf, "%llu %llu", &size, &res) != 2)
		return 0;
	return res * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
}

static bool api_groups(struct json_object *root)
{
	char key[64];

	for (unsigned int m = 0; m < NR_METHODS; m++) {
		struct json_object *g = group(root, method_groups[m]);

		for (size_t r = 0; g && r <= NR_RES; r++) {
			const char *name = r < NR_RES ? resources[r].name : "invalid";

			snprintf(key, sizeof(key), "%s_count", name);
			if (!put_u64(g, key, take(&api_counts[m][r][0], true)))
				return false;
			snprintf(key, sizeof(key), "%s_fails", name);
			if (!put_u64(g, key, take(&api_counts[m][r][1], true)))
				return false;
		}
		if (!g)
			return false;
	}
	return true;
}

struct json_object *nb_metrics_snapshot(nb_metrics_groups_fn *groups, void *ctx)
{
	struct json_object *root = json_object_new_object(), *g;
	struct timespec ts;
	bool ok = root;

	clock_gettime(CLOCK_REALTIME, &ts);
	ok = ok && put_u64(root, "utc_timestamp_ms",
			   (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
	for (unsigned int i = 0; ok && i < NB_M_NR; i++) {
		g = group(root, counters[i].group);
		ok = g &&
		     put_u64(g, counters[i].name, take(&nb_metrics_counters[i], counters[i].delta));
	}
	ok = ok && api_groups(root);
	g = ok ? group(root, "vmm") : NULL;
	ok = g && put_u64(g, "rss_kib", rss_kib());
	g = ok ? group(root, "logger") : NULL;
	ok = g && put_u64(g, "missed_log_count", nb_logger_missed());
	ok = ok && put_u64(g, "missed_metrics_count", take(&mx.missed, true));
	ok = ok && put_u64(g, "metrics_fails", take(&mx.fails, true));
	if (ok && groups)
		ok = groups(ctx, root);
	if (!ok) {
		json_object_put(root);
		return NULL;
	}
	return root;
}

int nb_metrics_flush(nb_metrics_groups_fn *groups, void *ctx)
{
	struct json_object *root;
	const char *s;
	char *line;
	size_t len;
	ssize_t w;
	int r = 0;

	if (!mx.configured)
		return -ENOTCONN;
	root = nb_metrics_snapshot(groups, ctx);
	s = root ? json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE)
		 : NULL;
	len = s ? strlen(s) : 0;
	line = s ? malloc(len + 1) : NULL;
	if (!line) {
		json_object_put(root);
		atomic_fetch_add_explicit(&mx.fails, 1, memory_order_relaxed);
		return -ENOMEM;
	}
	memcpy(line, s, len);
	line[len++] = '\n';
	json_object_put(root);
	w = write(mx.fd, line, len);
	if (w < 0 && errno != EAGAIN) {
		r = -errno;
		atomic_fetch_add_explicit(&mx.fails, 1, memory_order_relaxed);
	} else if (w < 0 || (size_t)w != len) {
		r = -EAGAIN;
		atomic_fetch_add_explicit(&mx.missed, 1, memory_order_relaxed);
	}
	free(line);
	return r;
}
