/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest-physical memory map of a nestbox VM (Firecracker-compatible):
 *
 *   0x0000_0000 - 0x3FFF_FFFF  GIC: distributor at 0x3FFF_0000 (64 KiB),
 *                              redistributors (128 KiB per vCPU) below it
 *   0x4000_0000 - 0x7FFF_FFFF  MMIO window, 4 KiB slots:
 *                                0x4000_0000 boot timer
 *                                0x4000_1000 RTC (PL031)
 *                                0x4000_2000 serial (16550A)
 *                                0x4000_3000 virtio-mmio devices, one a slot
 *   0x8000_0000 -              RAM: kernel at its start (+ text_offset),
 *                              initrd below the FDT, FDT in the last 2 MiB
 */
#ifndef NB_ARCH_LAYOUT_H
#define NB_ARCH_LAYOUT_H

#define NB_SZ_4K 0x1000ULL
#define NB_SZ_64K 0x10000ULL
#define NB_SZ_2M 0x200000ULL

#define NB_GIC_DIST_BASE 0x3FFF0000ULL
#define NB_GIC_DIST_SIZE NB_SZ_64K
#define NB_GIC_REDIST_SIZE 0x20000ULL /* per vCPU: RD + SGI frames */
#define NB_GIC_REDIST_BASE(nr_vcpus) (NB_GIC_DIST_BASE - (nr_vcpus)*NB_GIC_REDIST_SIZE)

#define NB_MMIO_BASE 0x40000000ULL
#define NB_MMIO_SLOT_SIZE NB_SZ_4K
#define NB_BOOT_TIMER_BASE (NB_MMIO_BASE + 0 * NB_MMIO_SLOT_SIZE)
#define NB_RTC_BASE (NB_MMIO_BASE + 1 * NB_MMIO_SLOT_SIZE)
#define NB_SERIAL_BASE (NB_MMIO_BASE + 2 * NB_MMIO_SLOT_SIZE)
#define NB_VIRTIO_BASE (NB_MMIO_BASE + 3 * NB_MMIO_SLOT_SIZE)
#define NB_MMIO_END 0x80000000ULL

#define NB_RAM_BASE 0x80000000ULL
#define NB_FDT_MAX_SIZE NB_SZ_2M /* the FDT lives in the last 2 MiB of RAM */
#define NB_KERNEL_ALIGN NB_SZ_2M

/* Interrupts: SPI numbers (INTID = 32 + SPI) and PPI numbers (INTID = 16 + PPI). */
#define NB_SPI_SERIAL 0
#define NB_SPI_RTC 1
#define NB_SPI_VIRTIO_FIRST 2
#define NB_NR_SPIS 96 /* SPIs the distributor implements (multiple of 32) */

#define NB_PPI_MAINT 9	  /* GIC maintenance interrupt (INTID 25) */
#define NB_PPI_HPTIMER 10 /* EL2 physical timer (INTID 26) */
#define NB_PPI_VTIMER 11  /* EL1 virtual timer (INTID 27) */
#define NB_PPI_HVTIMER 12 /* EL2 virtual timer (INTID 28) */
#define NB_PPI_STIMER 13  /* secure physical timer, listed in the FDT only */
#define NB_PPI_PTIMER 14  /* EL1 physical timer (INTID 30) */

#define NB_SPI_INTID(spi) (32 + (spi))
#define NB_PPI_INTID(ppi) (16 + (ppi))

#endif
