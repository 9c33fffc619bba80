// SPDX-License-Identifier: Apache-2.0
/* The "logger" and "metrics" sections of the VM configuration. */
#include "vmm/config_obs.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vmm/config_json.h"

#define S_LOGGER "logger"
#define S_METRICS "metrics"
#define LEVELS "Error, Warning, Info, Debug, Trace, Off"

static const char *const level_names[] = {
    [NB_LOG_OFF] = "Off",   [NB_LOG_ERROR] = "Error", [NB_LOG_WARN] = "Warning",
    [NB_LOG_INFO] = "Info", [NB_LOG_DEBUG] = "Debug", [NB_LOG_TRACE] = "Trace",
};

int nb_log_level_parse(const char *s, enum nb_log_level *out)
{
	for (unsigned int i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcasecmp(s, level_names[i])) {
			*out = (enum nb_log_level)i;
			return 0;
		}
	}
	if (!strcasecmp(s, "Warn")) {
		*out = NB_LOG_WARN;
		return 0;
	}
	return -EINVAL;
}

const char *nb_log_level_name(enum nb_log_level l)
{
	return (unsigned int)l < sizeof(level_names) / sizeof(level_names[0]) ? level_names[l]
									      : "?";
}

static int check_path(const char *sect, const char *key, const char *s, bool required, char *err,
		      size_t errlen)
{
	if (!s)
		return required ? nb_cj_fail(err, errlen, -EINVAL, "%s.%s: is required", sect, key)
				: 0;
	if (!*s)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: must not be empty", sect, key);
	if (strlen(s) > NB_OBS_PATH_MAX)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: must be at most %d bytes", sect,
				  key, NB_OBS_PATH_MAX);
	return 0;
}

int nb_config_check_logger(const struct nb_logger_config *l, char *err, size_t errlen)
{
	int ret = check_path(S_LOGGER, "log_path", l->log_path, false, err, errlen);

	if (ret)
		return ret;
	if ((unsigned int)l->level > NB_LOG_TRACE)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.level: must be one of %s", S_LOGGER,
				  LEVELS);
	if (l->module && strlen(l->module) > NB_LOG_MODULE_MAX)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.module: must be at most %d bytes",
				  S_LOGGER, NB_LOG_MODULE_MAX);
	return 0;
}

int nb_config_check_metrics(const struct nb_metrics_config *m, char *err, size_t errlen)
{
	return check_path(S_METRICS, "metrics_path", m->metrics_path, true, err, errlen);
}

static int dup_str(const char *sect, const char *key, const char *s, char **out, char *err,
		   size_t errlen)
{
	if (!s)
		return 0;
	*out = strdup(s);
	if (!*out)
		return nb_cj_fail(err, errlen, -ENOMEM, "%s.%s: out of memory", sect, key);
	return 0;
}

static int get_level(struct json_object *o, enum nb_log_level *out, char *err, size_t errlen)
{
	char buf[NB_CJ_QUOTE_LEN];
	const char *s = NULL;
	int ret = nb_cj_get_cstr(o, S_LOGGER, "level", false, &s, err, errlen);

	if (ret || !s)
		return ret;
	if (nb_log_level_parse(s, out))
		return nb_cj_fail(err, errlen, -EINVAL, "%s.level: must be one of %s, not \"%s\"",
				  S_LOGGER, LEVELS, nb_cj_printable(buf, sizeof(buf), s));
	return 0;
}

int nb_config_parse_logger(struct nb_logger_config *l, struct json_object *o, char *err,
			   size_t errlen)
{
	static const char *const known[] = {"log_path",	       "level",	 "show_level",
					    "show_log_origin", "module", NULL};
	struct nb_logger_config t = {.level = NB_LOG_INFO};
	const char *path = NULL, *module = NULL;
	int ret;

	ret = nb_cj_check_section(o, S_LOGGER, known, NULL, err, errlen);
	if (!ret)
		ret = nb_cj_get_cstr(o, S_LOGGER, "log_path", false, &path, err, errlen);
	if (!ret)
		ret = get_level(o, &t.level, err, errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, S_LOGGER, "show_level", &t.show_level, err, errlen);
	if (!ret)
		ret =
		    nb_cj_get_bool(o, S_LOGGER, "show_log_origin", &t.show_log_origin, err, errlen);
	if (!ret)
		ret = nb_cj_get_cstr(o, S_LOGGER, "module", false, &module, err, errlen);
	if (!ret)
		ret = dup_str(S_LOGGER, "log_path", path, &t.log_path, err, errlen);
	if (!ret)
		ret = dup_str(S_LOGGER, "module", module, &t.module, err, errlen);
	if (!ret)
		ret = nb_config_check_logger(&t, err, errlen);
	if (ret) {
		nb_logger_config_free(&t);
		return ret;
	}
	nb_logger_config_free(l);
	*l = t;
	return 0;
}

int nb_config_parse_metrics(struct nb_metrics_config *m, struct json_object *o, char *err,
			    size_t errlen)
{
	static const char *const known[] = {"metrics_path", NULL};
	struct nb_metrics_config t = {0};
	const char *path = NULL;
	int ret;

	ret = nb_cj_check_section(o, S_METRICS, known, NULL, err, errlen);
	if (!ret)
		ret = nb_cj_get_cstr(o, S_METRICS, "metrics_path", true, &path, err, errlen);
	if (!ret)
		ret = dup_str(S_METRICS, "metrics_path", path, &t.metrics_path, err, errlen);
	if (!ret)
		ret = nb_config_check_metrics(&t, err, errlen);
	if (ret) {
		nb_metrics_config_free(&t);
		return ret;
	}
	nb_metrics_config_free(m);
	*m = t;
	return 0;
}

struct json_object *nb_config_logger_to_json(const struct nb_logger_config *l)
{
	struct json_object *o = json_object_new_object();
	bool ok = o;

	ok = ok && nb_cj_add(o, "log_path", nb_cj_str_or_null(l->log_path), !l->log_path);
	ok =
	    ok && nb_cj_add(o, "level", json_object_new_string(nb_log_level_name(l->level)), false);
	ok = ok && nb_cj_add(o, "show_level", json_object_new_boolean(l->show_level), false);
	ok = ok &&
	     nb_cj_add(o, "show_log_origin", json_object_new_boolean(l->show_log_origin), false);
	ok = ok && nb_cj_add(o, "module", nb_cj_str_or_null(l->module), !l->module);
	return nb_cj_done(o, ok);
}

struct json_object *nb_config_metrics_to_json(const struct nb_metrics_config *m)
{
	struct json_object *o = json_object_new_object();
	bool ok = o;

	ok = ok &&
	     nb_cj_add(o, "metrics_path", nb_cj_str_or_null(m->metrics_path), !m->metrics_path);
	return nb_cj_done(o, ok);
}

void nb_logger_config_free(struct nb_logger_config *l)
{
	free(l->log_path);
	free(l->module);
	memset(l, 0, sizeof(*l));
	l->level = NB_LOG_INFO;
}

void nb_metrics_config_free(struct nb_metrics_config *m)
{
	free(m->metrics_path);
	memset(m, 0, sizeof(*m));
}
