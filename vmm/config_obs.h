/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "logger" and "metrics" sections (Firecracker's; also PUT /logger and
 * PUT /metrics):
 *
 *   "logger":  { "log_path": "PATH", "level": "Info", "show_level": false,
 *                "show_log_origin": false, "module": "vmm/" }
 *   "metrics": { "metrics_path": "PATH" }
 *
 * Every logger field is optional, as in Firecracker's swagger: without
 * log_path the lines go to stderr; level is one of Error, Warning (or
 * Warn), Info (the default), Debug, Trace, Off, in any case; module keeps
 * only the lines whose origin (a source path such as "vmm/run.c") starts
 * with it. metrics_path is required. Paths are files or FIFOs opened when
 * the section is applied (vmm/logger.h, vmm/metrics.h), not here.
 *
 * Errors follow config.h: one line naming the field, "logger.level: must
 * be one of Error, Warning, Info, Debug, Trace, Off, not \"loud\"".
 */
#ifndef NB_VMM_CONFIG_OBS_H
#define NB_VMM_CONFIG_OBS_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

#define NB_OBS_PATH_MAX 4095
#define NB_LOG_MODULE_MAX 255

/* In order of verbosity: a line is written when its level <= the configured one. */
enum nb_log_level {
	NB_LOG_OFF,
	NB_LOG_ERROR,
	NB_LOG_WARN,
	NB_LOG_INFO, /* the default */
	NB_LOG_DEBUG,
	NB_LOG_TRACE,
};

struct nb_logger_config {
	char *log_path; /* NULL: stderr */
	enum nb_log_level level;
	bool show_level;
	bool show_log_origin;
	char *module; /* NULL: every line */
};

struct nb_metrics_config {
	char *metrics_path; /* required */
};

/* @s (any case) as a level: 0, or -EINVAL. "Warn" is "Warning". */
int nb_log_level_parse(const char *s, enum nb_log_level *out);
/* The swagger's name: "Error", "Warning", "Info", "Debug", "Trace", "Off". */
const char *nb_log_level_name(enum nb_log_level l);

/* The section @o into @l: on success @l's old strings are freed; on error @l is unchanged. */
int nb_config_parse_logger(struct nb_logger_config *l, struct json_object *o, char *err,
			   size_t errlen);
int nb_config_parse_metrics(struct nb_metrics_config *m, struct json_object *o, char *err,
			    size_t errlen);

/* The sections' rules again, however they were filled. 0 or -EINVAL. */
int nb_config_check_logger(const struct nb_logger_config *l, char *err, size_t errlen);
int nb_config_check_metrics(const struct nb_metrics_config *m, char *err, size_t errlen);

/* As GET /vm/config shows them (every field, null for an absent string). */
struct json_object *nb_config_logger_to_json(const struct nb_logger_config *l);
struct json_object *nb_config_metrics_to_json(const struct nb_metrics_config *m);

/* Free the strings and zero (the logger: level back to Info); safe twice. */
void nb_logger_config_free(struct nb_logger_config *l);
void nb_metrics_config_free(struct nb_metrics_config *m);

#endif
