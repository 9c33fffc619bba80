// SPDX-License-Identifier: Apache-2.0
/* JSON reading and error helpers shared by the config parsers. */
#include "vmm/config_json.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/config.h"

int nb_cj_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

const char *nb_cj_printable(char *buf, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < n && s[i]; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	if (s[i] && n > 4)
		memcpy(buf + n - 4, "...", 4);
	return buf;
}

const char *nb_cj_describe(char *buf, size_t n, struct json_object *v)
{
	const char *s;

	switch (json_object_get_type(v)) {
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_null:
		return "null";
	default:
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
		return s ? nb_cj_printable(buf, n, s) : "?";
	}
}

int nb_cj_type_error(const char *sect, const char *key, const char *what, struct json_object *v,
		     char *err, size_t errlen)
{
	char buf[NB_CJ_QUOTE_LEN];

	return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: must be %s, not %s", sect, key, what,
			  nb_cj_describe(buf, sizeof(buf), v));
}

static bool in_list(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

int nb_cj_check_keys(struct json_object *o, const char *sect, const char *const *known,
		     const char *const *unsupported, char *err, size_t errlen)
{
	char buf[NB_CJ_QUOTE_LEN];
	const char *dot = *sect ? "." : "";

	json_object_object_foreach(o, key, val)
	{
		(void)val;
		if (in_list(key, known))
			continue;
		nb_cj_printable(buf, sizeof(buf), key);
		if (in_list(key, unsupported))
			return nb_cj_fail(err, errlen, -EINVAL, "%s%s%s: not supported yet", sect,
					  dot, buf);
		return nb_cj_fail(err, errlen, -EINVAL, "%s%s%s: unknown field", sect, dot, buf);
	}
	return 0;
}

int nb_cj_check_section(struct json_object *o, const char *path, const char *const *known,
			const char *const *unsupported, char *err, size_t errlen)
{
	char buf[NB_CJ_QUOTE_LEN];

	if (!json_object_is_type(o, json_type_object))
		return nb_cj_fail(err, errlen, -EINVAL, "%s: must be an object, not %s", path,
				  nb_cj_describe(buf, sizeof(buf), o));
	return nb_cj_check_keys(o, path, known, unsupported, err, errlen);
}

int nb_cj_check_count(const char *path, size_t n, unsigned int max, char *err, size_t errlen)
{
	if (n <= max)
		return 0;
	return nb_cj_fail(err, errlen, -EINVAL, "%s: at most %u entries are supported", path, max);
}

int nb_cj_check_range(const char *sect, const char *key, int64_t x, int64_t min, int64_t max,
		      char *err, size_t errlen)
{
	if (x >= min && x <= max)
		return 0;
	return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: must be between %lld and %lld", sect, key,
			  (long long)min, (long long)max);
}

bool nb_cj_field(struct json_object *o, const char *key, struct json_object **v)
{
	*v = NULL;
	return json_object_object_get_ex(o, key, v);
}

int nb_cj_get_u32(struct json_object *o, const char *sect, const char *key, uint32_t min,
		  uint32_t max, uint32_t *out, char *err, size_t errlen)
{
	struct json_object *v;
	int64_t x;
	int ret;

	if (!nb_cj_field(o, key, &v))
		return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: is required", sect, key);
	if (!json_object_is_type(v, json_type_int))
		return nb_cj_type_error(sect, key, "an integer", v, err, errlen);
	/* json-c saturates what does not fit in 64 bits: still out of range. */
	x = json_object_get_int64(v);
	ret = nb_cj_check_range(sect, key, x, min, max, err, errlen);
	if (!ret)
		*out = (uint32_t)x;
	return ret;
}

int nb_cj_get_bool(struct json_object *o, const char *sect, const char *key, bool *out, char *err,
		   size_t errlen)
{
	struct json_object *v;

	if (!nb_cj_field(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return nb_cj_type_error(sect, key, "a boolean", v, err, errlen);
	*out = json_object_get_boolean(v);
	return 0;
}

int nb_cj_get_u64(struct json_object *o, const char *sect, const char *key, bool required,
		  bool null_ok, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	struct json_object *v;
	int64_t x;

	if (!nb_cj_field(o, key, &v))
		return required ? nb_cj_fail(err, errlen, -EINVAL, "%s.%s: is required", sect, key)
				: 0;
	if (!v && null_ok && !required)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return nb_cj_type_error(sect, key, "an integer", v, err, errlen);
	/*
	 * json-c keeps a value above INT64_MAX as unsigned (get_int64 then
	 * says INT64_MAX) and saturates what does not fit in 64 bits.
	 */
	x = json_object_get_int64(v);
	if (x < 0 || json_object_get_uint64(v) > max)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: must be between 0 and %llu", sect,
				  key, (unsigned long long)max);
	*out = (uint64_t)x;
	return 0;
}

int nb_cj_get_cstr(struct json_object *o, const char *sect, const char *key, bool required,
		   const char **out, char *err, size_t errlen)
{
	struct json_object *v;
	const char *s;

	if (!nb_cj_field(o, key, &v) && required)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: is required", sect, key);
	if (!v && !required)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return nb_cj_type_error(sect, key, "a string", v, err, errlen);
	s = json_object_get_string(v);
	/* An embedded NUL would silently cut a path or a value. */
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: must not contain a NUL character",
				  sect, key);
	*out = s;
	return 0;
}

int nb_cj_parse_text(const char *text, const char *what, struct json_object **root, char *err,
		     size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t len = strlen(text), end, line = 1, col = 1;

	if (len > NB_CONFIG_MAX_FILE_SIZE)
		return nb_cj_fail(err, errlen, -EFBIG, "%s: larger than %d bytes", what,
				  NB_CONFIG_MAX_FILE_SIZE);
	tok = json_tokener_new();
	if (!tok)
		return nb_cj_fail(err, errlen, -ENOMEM, "%s: out of memory", what);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* The NUL is passed too: it ends a top-level number or literal. */
	o = json_tokener_parse_ex(tok, text, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	if (jerr != json_tokener_success) {
		end = json_tokener_get_parse_end(tok);
		for (size_t i = 0; i < end && i < len; i++, col++) {
			if (text[i] == '\n') {
				line++;
				col = 0;
			}
		}
		json_tokener_free(tok);
		json_object_put(o);
		return nb_cj_fail(err, errlen, -EINVAL,
				  "JSON syntax error at line %zu, column %zu: %s", line, col,
				  json_tokener_error_desc(jerr));
	}
	json_tokener_free(tok);
	*root = o;
	return 0;
}

static int errno_msg(int e, char *err, size_t errlen)
{
	char buf[128];

	return nb_cj_fail(err, errlen, -e, "%s", strerror_r(e, buf, sizeof(buf)));
}

/* Reads all of @path into a NUL-terminated *@text. */
static int read_text(const char *path, char **text, char *err, size_t errlen)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL, *nbuf;
	ssize_t r;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno_msg(errno, err, errlen);
	for (;;) {
		if (!buf || len + 1 == cap) {
			if (buf)
				cap *= 2;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				ret = nb_cj_fail(err, errlen, -ENOMEM, "out of memory");
				break;
			}
			buf = nbuf;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = errno_msg(errno, err, errlen);
			break;
		}
		if (r == 0)
			break;
		len += r;
		if (len > NB_CONFIG_MAX_FILE_SIZE) {
			ret = nb_cj_fail(err, errlen, -EFBIG, "larger than %d bytes",
					 NB_CONFIG_MAX_FILE_SIZE);
			break;
		}
	}
	close(fd);
	if (!ret && memchr(buf, '\0', len))
		ret = nb_cj_fail(err, errlen, -EINVAL, "contains a NUL byte");
	if (ret) {
		free(buf);
		return ret;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

int nb_cj_from_file(const char *path, const char *what, nb_cj_text_parser *parse, void *ctx,
		    char *err, size_t errlen)
{
	char msg[512], name[256];
	char *text = NULL;
	int ret;

	ret = read_text(path, &text, msg, sizeof(msg));
	if (!ret)
		ret = parse(ctx, text, msg, sizeof(msg));
	free(text);
	if (ret)
		nb_cj_fail(err, errlen, ret, "%s %s: %s", what,
			   nb_cj_printable(name, sizeof(name), path), msg);
	return ret;
}

bool nb_cj_add(struct json_object *o, const char *key, struct json_object *v, bool null_ok)
{
	if (!v && !null_ok)
		return false;
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		return false;
	}
	return true;
}

struct json_object *nb_cj_str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *nb_cj_done(struct json_object *o, bool ok)
{
	if (ok)
		return o;
	json_object_put(o);
	return NULL;
}
