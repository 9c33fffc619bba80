/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The register dump (--dump-regs): every register KVM lists for each vCPU
 * (KVM_GET_REG_LIST), read with KVM_GET_ONE_REG and printed by name, EL2
 * state included for a guest hypervisor.
 */
#ifndef NB_VMM_REGS_DUMP_H
#define NB_VMM_REGS_DUMP_H

#include <stdio.h>

#include "vmm/vm.h"

/*
 * Writes one line per register, "vcpu<N> <NAME> 0x<value>" (128-bit values
 * as 32 hex digits), to @out. Returns 0 or -errno (the first failure).
 */
int nb_vm_dump_regs(const struct nb_vm *vm, FILE *out);

#endif
