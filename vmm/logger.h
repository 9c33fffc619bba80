/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nestbox's log lines, from any thread (Firecracker's logger).
 *
 * Until the logger is configured (PUT /logger or the config file's
 * "logger" section, once), Error and Warning lines go to stderr as
 * "nestbox: MESSAGE". Once configured, each line that passes the level (and
 * the module filter) is written in Firecracker's format to log_path (or
 * stderr without one):
 *
 *   2026-12-01T23:45:10.123456789 [anonymous-instance:nb_vcpu0:WARN:vmm/run.c:55] MESSAGE
 *
 * the UTC time, the instance id (--id, else "anonymous-instance"), the
 * thread's name, then the level (show_level) and the origin, a source path
 * and line (show_log_origin). log_path is a file (created 0600 if missing,
 * appended to) or a FIFO, opened O_NONBLOCK (and read-write, so that a FIFO
 * needs no reader yet): each line is one write() of at most
 * NB_LOG_LINE_MAX bytes, and a line the destination cannot take at once is
 * dropped and counted (nb_logger_missed()), never waited for: a stalled
 * reader blocks no vCPU and no event loop.
 *
 * The logger is process-wide state (like stderr): configured once from the
 * VMM thread before the VM starts, read without locks by every thread.
 */
#ifndef NB_VMM_LOGGER_H
#define NB_VMM_LOGGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vmm/config_obs.h"

#define NB_LOG_LINE_MAX 1024 /* longer messages are cut */

/*
 * Applies @c: opens log_path and from then on writes lines in the format
 * above, with @instance_id (NULL: "anonymous-instance"). Then logs "Running
 * nestbox @version" at Info. 0; -EALREADY when already configured; or the
 * open's -errno, with one line in @err ("logger.log_path: open /x: No such
 * file or directory"); the logger is then unchanged.
 */
int nb_logger_init(const struct nb_logger_config *c, const char *instance_id, const char *version,
		   char *err, size_t errlen);

/* Whether nb_logger_init() succeeded (and nb_logger_close() has not run). */
bool nb_logger_configured(void);

/* Closes log_path; lines go to stderr as before the configuration. At exit, and for tests. */
void nb_logger_close(void);

/* Lines dropped since the start: the destination could not take them at once. */
uint64_t nb_logger_missed(void);

/* One line at @level from @file:@line (the caller's __FILE__ and __LINE__). */
__attribute__((format(printf, 4, 5))) void nb_log_at(enum nb_log_level level, const char *file,
						     int line, const char *fmt, ...);

#define nb_log_error(...) nb_log_at(NB_LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define nb_log_warn(...) nb_log_at(NB_LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define nb_log_info(...) nb_log_at(NB_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define nb_log_debug(...) nb_log_at(NB_LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)

/* What a configured line holds (for nb_log_format()). */
struct nb_log_line {
	struct timespec when; /* CLOCK_REALTIME */
	const char *instance_id;
	const char *thread;
	enum nb_log_level level;
	bool show_level;
	const char *origin; /* NULL: not shown */
	int origin_line;
	const char *msg;
};

/*
 * Formats @l into @buf (@n bytes, at least 2) with the trailing newline,
 * cut to fit (the newline kept). The length written, without the NUL.
 */
size_t nb_log_format(char *buf, size_t n, const struct nb_log_line *l);

/* @file (a __FILE__) relative to the source tree: "vmm/run.c". */
const char *nb_log_origin(const char *file);

#endif
