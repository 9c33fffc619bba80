/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the nb_config library: the JSON reading and error helpers
 * that the VM config parser (config.c) and the CPU template parser
 * (cpu_config.c) share, so that both read files, report syntax errors and
 * word type errors the same way. Not a public interface.
 *
 * Error conventions are those of config.h: a helper that fails writes one
 * line into @err (at most @errlen bytes, NUL-terminated, @err may be NULL
 * when @errlen is 0) and returns a negative errno. @sect is the path of the
 * enclosing object in messages ("machine-config", "drives[1]"); where a
 * helper takes a key, the message starts "SECT.KEY: ".
 */
#ifndef NB_VMM_CONFIG_JSON_H
#define NB_VMM_CONFIG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

/* Room for a user's text (a key, a value) quoted in a message. */
#define NB_CJ_QUOTE_LEN 48

/* Formats the message into @err and returns @ret. */
__attribute__((format(printf, 4, 5))) int nb_cj_fail(char *err, size_t errlen, int ret,
						     const char *fmt, ...);

/* @s made safe for a one-line message in @buf: control bytes as '?', cut with "...". */
const char *nb_cj_printable(char *buf, size_t n, const char *s);

/* What a JSON value is, for "must be X, not Y": its text for scalars. */
const char *nb_cj_describe(char *buf, size_t n, struct json_object *v);

/* "SECT.KEY: must be WHAT, not <describe(v)>"; returns -EINVAL. */
int nb_cj_type_error(const char *sect, const char *key, const char *what, struct json_object *v,
		     char *err, size_t errlen);

/*
 * Refuses a key of @o that is not in @known (NULL-terminated): "not
 * supported yet" if it is in @unsupported (NULL-terminated, or NULL for
 * none), else "unknown field". @sect is "" at the top level, where a
 * field's path is its bare name.
 */
int nb_cj_check_keys(struct json_object *o, const char *sect, const char *const *known,
		     const char *const *unsupported, char *err, size_t errlen);

/*
 * A section's object: "PATH: must be an object, not ..." unless @o is a
 * JSON object, then nb_cj_check_keys() with @path as the section.
 */
int nb_cj_check_section(struct json_object *o, const char *path, const char *const *known,
			const char *const *unsupported, char *err, size_t errlen);

/* "PATH: at most MAX entries are supported" unless @n <= @max. */
int nb_cj_check_count(const char *path, size_t n, unsigned int max, char *err, size_t errlen);

/* "SECT.KEY: must be between MIN and MAX" unless @x is. */
int nb_cj_check_range(const char *sect, const char *key, int64_t x, int64_t min, int64_t max,
		      char *err, size_t errlen);

/* Whether @o has @key; *@v is its value, or NULL. */
bool nb_cj_field(struct json_object *o, const char *key, struct json_object **v);

/*
 * Field readers. nb_cj_get_u32() requires the field; the others leave *@out
 * as it is when the field is absent (its default), and nb_cj_get_cstr()
 * also when it is null and not @required. The string of nb_cj_get_cstr() is
 * json-c's, valid as long as @o; it never holds a NUL byte.
 */
int nb_cj_get_u32(struct json_object *o, const char *sect, const char *key, uint32_t min,
		  uint32_t max, uint32_t *out, char *err, size_t errlen);
int nb_cj_get_bool(struct json_object *o, const char *sect, const char *key, bool *out, char *err,
		   size_t errlen);
/*
 * An unsigned integer field, 0..@max (@max at most INT64_MAX): "is required"
 * when absent if @required, else *@out is left as it is when the field is
 * absent, and also when it is null if @null_ok.
 */
int nb_cj_get_u64(struct json_object *o, const char *sect, const char *key, bool required,
		  bool null_ok, uint64_t max, uint64_t *out, char *err, size_t errlen);
int nb_cj_get_cstr(struct json_object *o, const char *sect, const char *key, bool required,
		   const char **out, char *err, size_t errlen);

/*
 * Parses @text (NUL-terminated, at most NB_CONFIG_MAX_FILE_SIZE bytes) as
 * one strict JSON value into *@root (the caller puts it). Errors: "@what:
 * larger than N bytes" and "JSON syntax error at line L, column C: why".
 */
int nb_cj_parse_text(const char *text, const char *what, struct json_object **root, char *err,
		     size_t errlen);

/* Parses the text of a file read by nb_cj_from_file() into @ctx. */
typedef int nb_cj_text_parser(void *ctx, const char *text, char *err, size_t errlen);

/*
 * Reads all of @path (a pipe too; at most NB_CONFIG_MAX_FILE_SIZE bytes, no
 * NUL byte) and hands the NUL-terminated text to @parse. Every error, the
 * parser's too, is prefixed by "@what PATH: ", e.g. "config file /x.json:
 * No such file or directory" (-ENOENT).
 */
int nb_cj_from_file(const char *path, const char *what, nb_cj_text_parser *parse, void *ctx,
		    char *err, size_t errlen);

/*
 * Writers (the dumps). nb_cj_add() adds @v under @key: a NULL @v is a JSON
 * null when @null_ok, else out of memory (false, as when the add fails; @v
 * is put then). nb_cj_str_or_null(): @s as a string, NULL for NULL.
 * nb_cj_done(): @o when @ok, else NULL (@o put).
 */
bool nb_cj_add(struct json_object *o, const char *key, struct json_object *v, bool null_ok);
struct json_object *nb_cj_str_or_null(const char *s);
struct json_object *nb_cj_done(struct json_object *o, bool ok);

#endif
