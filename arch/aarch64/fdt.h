/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's flattened device tree: everything a Linux arm64 kernel (or a
 * guest hypervisor at vEL2) needs to find its CPUs, RAM, GICv3, timer, PSCI
 * and the MMIO devices. The caller (the VM builder) passes every fact in a
 * struct nb_fdt_params; this module knows nothing about KVM, nor about device
 * types: each MMIO device comes as a generic struct nb_fdt_mmio_dev.
 */
#ifndef NB_ARCH_FDT_H
#define NB_ARCH_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bits of MPIDR_EL1 that a cpu node's reg carries: Aff3 and Aff2..Aff0. */
#define NB_FDT_MPIDR_AFF_MASK 0xff00ffffffULL

/* Fixed phandles of the nodes other nodes point at. */
#define NB_FDT_PHANDLE_GIC 1
#define NB_FDT_PHANDLE_APB_PCLK 2

/* Bytes of /chosen/rng-seed. */
#define NB_FDT_RNG_SEED_SIZE 32

/*
 * One MMIO device's node, written in the order given:
 *	<name>@<base> {
 *		compatible = <compatible>;
 *		reg = <base size>;
 *		clock-frequency = <clock_frequency>;	(if not 0)
 *		interrupts = <GIC_SPI spi (edge ? EDGE_RISING : LEVEL_HIGH)>;
 *		clocks = <&apb_pclk>; clock-names = "apb_pclk";	(if apb_pclk)
 *		dma-coherent;				(if dma_coherent)
 *	};
 * The apb-pclk fixed-clock node exists only if some device asks for it.
 */
struct nb_fdt_mmio_dev {
	const char *name;	/* "uart", "rtc", "virtio_mmio" */
	const char *compatible; /* a string list, NUL-separated */
	size_t compatible_len;	/* bytes, the final NUL included */
	uint64_t base, size;
	uint32_t spi;
	bool edge;		  /* else level-high */
	uint32_t clock_frequency; /* 0: none */
	bool apb_pclk;
	bool dma_coherent;
	bool stdout_path; /* /chosen/stdout-path points here */
};

struct nb_fdt_params {
	uint64_t ram_base, ram_size;
	uint32_t nr_cpus;
	const uint64_t *mpidrs; /* nr_cpus raw MPIDR_EL1 values, distinct affinities */
	bool el2;		/* the guest is a hypervisor booted at vEL2 */
	uint64_t gic_dist_base, gic_dist_size;
	uint64_t gic_redist_base, gic_redist_size; /* one redistributor region */
	const char *bootargs;			   /* may be NULL */
	uint64_t initrd_start, initrd_size;	   /* size 0: no initrd */
	const struct nb_fdt_mmio_dev *devs;	   /* nr_devs nodes, in this order */
	uint32_t nr_devs;
};

/*
 * Builds the device tree described by @p into @buf (@bufsize bytes) and packs
 * it: the blob's fdt_totalsize() is what the guest needs (building takes a few
 * bytes more of @buf).
 * /chosen gets a fresh rng-seed and kaslr-seed from getrandom(2).
 * Returns 0, -ENOSPC if @bufsize is too small, -EINVAL for bad parameters
 * (no CPUs or MPIDRs, duplicate CPU affinities, no RAM, empty GIC regions,
 * address overflow, an SPI the GIC does not implement, a device without a
 * name or a NUL-terminated compatible list, duplicate device bases, more than
 * one stdout_path, devs NULL with nr_devs > 0), or -errno if getrandom fails.
 */
int nb_fdt_build(const struct nb_fdt_params *p, void *buf, size_t bufsize);

/*
 * Writes the blob @fdt (fdt_totalsize() bytes) to @path, created or
 * truncated with mode 0644, for --dump-dtb. Returns 0, -EINVAL if @fdt is
 * not a valid blob, or -errno from open/write/close.
 */
int nb_fdt_write_file(const void *fdt, const char *path);

#endif
