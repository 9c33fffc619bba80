/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How an MMIO device describes its device tree node, without knowing the
 * FDT writer or where it sits: the VMM adds the base, size and SPI it
 * assigned and hands the result to arch/aarch64/fdt.c, which writes
 *
 *	<name>@<base> {
 *		compatible = <compatible>;
 *		reg = <base size>;
 *		clock-frequency = <clock_frequency>;	(if not 0)
 *		interrupts = <GIC_SPI spi edge ? EDGE_RISING : LEVEL_HIGH>;
 *		clocks = <&apb_pclk>; clock-names = "apb_pclk";	(if apb_pclk)
 *		dma-coherent;				(if dma_coherent)
 *	};
 *
 * and points /chosen/stdout-path at it if stdout_path is set.
 */
#ifndef NB_DEVICES_FDT_DESC_H
#define NB_DEVICES_FDT_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nb_dev_fdt_desc {
	const char *name;	  /* the node name before '@': "uart" */
	const char *compatible;	  /* a string list: "a\0b" */
	size_t compatible_len;	  /* bytes, with the final NUL */
	bool edge;		  /* a rising-edge SPI, else level-high */
	uint32_t clock_frequency; /* Hz; 0: no clock-frequency property */
	bool apb_pclk;		  /* needs the APB bus clock (AMBA PrimeCells) */
	bool dma_coherent;
	bool stdout_path; /* the console: /chosen/stdout-path */
};

/* compatible and compatible_len from a string list literal ("a\0b"; sizeof counts the last NUL). */
#define NB_DEV_FDT_STRLIST(lit) .compatible = (lit), .compatible_len = sizeof(lit)

#endif
