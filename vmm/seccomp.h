/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp filters per thread kind, written as data (resources/seccomp/
 * aarch64.json, embedded into the binary at build time) and built with
 * libseccomp. Each thread installs its own filter when it starts, before it
 * handles guest or client input: a vCPU thread before its first KVM_RUN,
 * the API thread before its first client, the VMM (main) thread once the VM
 * is built and its vCPU threads run (threads inherit the filters of the
 * thread that creates them, so the VMM's comes last).
 *
 * The file: an object with one member per thread kind ("vmm", "vcpu",
 * "api"; each required) and an optional "comment":
 *
 *   "vcpu": { "default_action": "kill_process",        (optional; or
 *                                                       kill_thread, trap, log)
 *             "filter": [ { "syscall": "ioctl", "comment": "why",
 *                           "args": [ { "index": 1, "type": "dword",
 *                                       "op": "eq", "val": "0xae80",
 *                                       "comment": "KVM_RUN" } ] }, ... ] }
 *
 * A syscall may appear several times: its entries are alternatives, and the
 * conditions of one entry (one per argument index, 0-5) must all hold.
 * "type" is "dword" (the argument's low 32 bits: ops eq and masked_eq) or
 * "qword" (all 64 bits: eq, ne, lt, le, gt, ge, masked_eq); "val" and
 * "mask" (masked_eq only: arg & mask == val) are numbers or strings in C
 * notation ("0x4"). Syscall names are arm64's (libseccomp's table).
 *
 *   nb_seccomp_new          parse a filter set (one error line on bad input)
 *   nb_seccomp_builtin      the built-in set, parsed lazily
 *   nb_seccomp_compile      one kind's BPF program (once; cached)
 *   nb_seccomp_apply        install one kind's filter in the calling thread
 *   nb_seccomp_thread_start name the calling thread (nb_api, nb_vcpuN) and
 *                           apply its kind's filter; the error line printed
 */
#ifndef NB_VMM_SECCOMP_H
#define NB_VMM_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

enum nb_seccomp_kind { NB_SECCOMP_VMM, NB_SECCOMP_VCPU, NB_SECCOMP_API, NB_SECCOMP_KINDS };

enum nb_seccomp_mode {
	NB_SECCOMP_ON,	/* each filter's default action (kill the process) */
	NB_SECCOMP_LOG, /* every default action is "log": to derive the lists */
};

struct nb_seccomp;

/* The built-in filter set (resources/seccomp/aarch64.json), NUL-terminated. */
extern const char nb_seccomp_builtin_json[];

/* "vmm", "vcpu", "api". */
const char *nb_seccomp_kind_name(enum nb_seccomp_kind k);

/*
 * Parses @json (@len bytes) into a new filter set. 0, or -EINVAL with a
 * one-line @err (what and where, e.g. "vcpu.filter[3]: unknown syscall
 * 'foo'"), -ENOMEM.
 */
int nb_seccomp_new(struct nb_seccomp **out, const char *json, size_t len, enum nb_seccomp_mode mode,
		   char *err, size_t errlen);

/*
 * The built-in set, parsed when a filter is first compiled (off the startup
 * path: the API thread's filter is built in the API thread). 0 or -ENOMEM.
 */
int nb_seccomp_builtin(struct nb_seccomp **out, enum nb_seccomp_mode mode);

/* Reads and parses @path; the error names the file. */
int nb_seccomp_from_file(struct nb_seccomp **out, const char *path, enum nb_seccomp_mode mode,
			 char *err, size_t errlen);

void nb_seccomp_free(struct nb_seccomp *s);

/* How many distinct syscalls @k's list allows (with or without conditions). */
size_t nb_seccomp_count(struct nb_seccomp *s, enum nb_seccomp_kind k);

/*
 * Builds @k's BPF program for the running architecture (once; later calls
 * return the cached one). Thread-safe. 0 or -errno with @err.
 */
int nb_seccomp_compile(struct nb_seccomp *s, enum nb_seccomp_kind k, char *err, size_t errlen);

/* Compiles if needed and installs @k's filter in the calling thread. @s NULL: nothing. */
int nb_seccomp_apply(struct nb_seccomp *s, enum nb_seccomp_kind k, char *err, size_t errlen);

/*
 * For a thread's first lines: names it ("nb_api", "nb_vcpu<@index>"; the
 * VMM thread keeps the process's name) and applies @k's filter (@s NULL:
 * only the name). 0, or -errno after printing "nestbox: seccomp: ..." on
 * stderr.
 */
int nb_seccomp_thread_start(struct nb_seccomp *s, enum nb_seccomp_kind k, unsigned int index);

#endif
