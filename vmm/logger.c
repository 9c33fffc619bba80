// SPDX-License-Identifier: Apache-2.0
/* Log lines in Firecracker's format, to stderr or a file or FIFO that never blocks. */
#include "vmm/logger.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef NB_SRC_DIR
#define NB_SRC_DIR ""
#endif

#define DEFAULT_ID "anonymous-instance"

/*
 * Written by nb_logger_init() before @configured is set (release), read by
 * any thread after it is seen set (acquire).
 */
static struct {
	atomic_bool configured;
	int fd; /* log_path's, or 2 */
	bool own_fd;
	enum nb_log_level level;
	bool show_level, show_origin;
	char module[NB_LOG_MODULE_MAX + 1]; /* "": every line */
	char id[128];
	atomic_uint_fast64_t missed;
} lg = {.fd = 2};

static const char *const level_tags[] = {
    [NB_LOG_OFF] = "OFF",   [NB_LOG_ERROR] = "ERROR", [NB_LOG_WARN] = "WARN",
    [NB_LOG_INFO] = "INFO", [NB_LOG_DEBUG] = "DEBUG", [NB_LOG_TRACE] = "TRACE",
};

const char *nb_log_origin(const char *file)
{
	size_t n = strlen(NB_SRC_DIR);

	if (n && !strncmp(file, NB_SRC_DIR, n))
		return file + n;
	return file;
}

/*
 * UTC date of @secs since the epoch, without gmtime_r(): glibc's reads the
 * time zone file on its first call, a syscall no filtered thread may make.
 */
static void utc_date(int64_t secs, int *y, int *mo, int *d, int *h, int *mi, int *s)
{
	int64_t days = secs / 86400, rem = secs % 86400, era, doe, yoe, doy, mp;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	*h = (int)(rem / 3600);
	*mi = (int)(rem / 60 % 60);
	*s = (int)(rem % 60);
	/* Days to a civil date, with March as the first month of a 400-year era. */
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*mo <= 2));
}

size_t nb_log_format(char *buf, size_t n, const struct nb_log_line *l)
{
	int y, mo, d, h, mi, s;
	size_t len;
	int k;

	utc_date(l->when.tv_sec, &y, &mo, &d, &h, &mi, &s);
	k = snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%09ld [%s:%s", y, mo, d, h, mi, s,
		     (long)l->when.tv_nsec, l->instance_id, l->thread);
	len = k < 0 ? 0 : (size_t)k < n ? (size_t)k : n - 1;
	if (l->show_level && len < n - 1) {
		k = snprintf(buf + len, n - len, ":%s",
			     (unsigned int)l->level <= NB_LOG_TRACE ? level_tags[l->level] : "?");
		len += k < 0 ? 0 : (size_t)k < n - len ? (size_t)k : n - len - 1;
	}
	if (l->origin && len < n - 1) {
		k = snprintf(buf + len, n - len, ":%s:%d", l->origin, l->origin_line);
		len += k < 0 ? 0 : (size_t)k < n - len ? (size_t)k : n - len - 1;
	}
	if (len < n - 1) {
		k = snprintf(buf + len, n - len, "] %s", l->msg);
		len += k < 0 ? 0 : (size_t)k < n - len ? (size_t)k : n - len - 1;
	}
	if (len >= n - 1)
		len = n - 2;
	buf[len++] = '\n';
	buf[len] = 0;
	return len;
}

/* One write, never retried: a destination that cannot take the line loses it. */
static void put(int fd, const char *s, size_t len)
{
	ssize_t w = write(fd, s, len);

	if (w < 0 || (size_t)w != len)
		atomic_fetch_add_explicit(&lg.missed, 1, memory_order_relaxed);
}

void nb_log_at(enum nb_log_level level, const char *file, int line, const char *fmt, ...)
{
	char msg[NB_LOG_LINE_MAX], out[NB_LOG_LINE_MAX + 64], thread[17] = "";
	struct nb_log_line l;
	const char *origin = nb_log_origin(file);
	int saved = errno;
	va_list ap;

	if (level == NB_LOG_OFF)
		return;
	if (!atomic_load_explicit(&lg.configured, memory_order_acquire)) {
		/* Warnings and errors only: bad input stays one line on stderr. */
		if (level > NB_LOG_WARN)
			return;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
		va_end(ap);
		snprintf(out, sizeof(out), "nestbox: %s\n", msg);
		put(2, out, strlen(out));
		errno = saved;
		return;
	}
	if (level > lg.level || (lg.module[0] && strncmp(origin, lg.module, strlen(lg.module))))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (prctl(PR_GET_NAME, thread, 0, 0, 0) || !thread[0])
		snprintf(thread, sizeof(thread), "-");
	l = (struct nb_log_line){
	    .instance_id = lg.id,
	    .thread = thread,
	    .level = level,
	    .show_level = lg.show_level,
	    .origin = lg.show_origin ? origin : NULL,
	    .origin_line = line,
	    .msg = msg,
	};
	clock_gettime(CLOCK_REALTIME, &l.when);
	put(lg.fd, out, nb_log_format(out, sizeof(out), &l));
	errno = saved;
}

int nb_logger_init(const struct nb_logger_config *c, const char *instance_id, const char *version,
		   char *err, size_t errlen)
{
	int fd = 2;

	if (atomic_load(&lg.configured)) {
		snprintf(err, errlen, "logger: the logger can be configured only once");
		return -EALREADY;
	}
	if (c->log_path) {
		fd = open(c->log_path, O_RDWR | O_APPEND | O_NONBLOCK | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			int e = errno;

			snprintf(err, errlen, "logger.log_path: open %s: %s", c->log_path,
				 strerror(e));
			return -e;
		}
	}
	lg.fd = fd;
	lg.own_fd = c->log_path;
	lg.level = c->level;
	lg.show_level = c->show_level;
	lg.show_origin = c->show_log_origin;
	snprintf(lg.module, sizeof(lg.module), "%s", c->module ? c->module : "");
	snprintf(lg.id, sizeof(lg.id), "%s", instance_id ? instance_id : DEFAULT_ID);
	atomic_store_explicit(&lg.configured, true, memory_order_release);
	nb_log_info("Running nestbox %s", version ? version : "");
	return 0;
}

bool nb_logger_configured(void)
{
	return atomic_load(&lg.configured);
}

void nb_logger_close(void)
{
	if (!atomic_exchange(&lg.configured, false))
		return;
	if (lg.own_fd)
		close(lg.fd);
	lg.fd = 2;
	lg.own_fd = false;
}

uint64_t nb_logger_missed(void)
{
	return atomic_load_explicit(&lg.missed, memory_order_relaxed);
}
