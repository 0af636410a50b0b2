// SPDX-License-Identifier: MIT
/*
 * acpi.c - finding ACPI tables (RSDP -> XSDT or RSDT) and powering the
 * machine off through ACPI S5, for a guest booted where QEMU's
 * isa-debug-exit is absent (a VM on another hypervisor, from the ISO of
 * `irqlbench image`).
 *
 * S5 is the FADT's PM1a_CNT (and PM1b_CNT) written with SLP_TYPx from the
 * DSDT's \_S5 package and SLP_EN (ACPI 6.5, 4.8.3.2.1 and 7.4.2).  The \_S5
 * object is found by its bytes, as small kernels do (no AML interpreter):
 * NameOp "_S5_" PackageOp PkgLength NumElements, then the two values as
 * BytePrefix n, ZeroOp or OneOp.  Tables above 4 GiB are not mapped and are
 * not read.
 */
#include "klib.h"
#include "platform.h"
#include "x86.h"

#define SLP_EN		(1u << 13)
#define SCI_EN		1u
#define AML_NAME	0x08
#define AML_PACKAGE	0x12
#define AML_BYTE	0x0a
#define AML_ONE		0x01

static inline const uint8_t *phys(uint64_t a)
{
	uintptr_t p = (uintptr_t)a;

	asm("" : "+r"(p));	/* a physical address, not an object */
	return (const uint8_t *)p;
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static bool checksum_ok(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	while (n--)
		sum += *p++;
	return sum == 0;
}

static const uint8_t *rsdp_scan(uintptr_t start, size_t len)
{
	for (uintptr_t a = start; a + 20 <= start + len; a += 16) {
		const uint8_t *p = phys(a);

		if (!kstrncmp((const char *)p, "RSD PTR ", 8) && checksum_ok(p, 20))
			return p;
	}
	return NULL;
}

/* The RSDP in the EBDA's first KiB or the BIOS area 0xE0000-0xFFFFF. */
static const uint8_t *rsdp_find(void)
{
	uintptr_t ebda = (uintptr_t)*(const volatile uint16_t *)phys(0x40e) << 4;
	const uint8_t *rsdp = NULL;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		rsdp = rsdp_scan(ebda, 1024);
	return rsdp ? rsdp : rsdp_scan(0xe0000, 0x20000);
}

const uint8_t *acpi_find_table(const char *sig)
{
	const uint8_t *rsdp = rsdp_find(), *root;
	uint64_t xsdt;
	unsigned step = 4;

	if (!rsdp)
		return NULL;
	xsdt = rsdp[15] >= 2 ? rd64(rsdp + 24) : 0;
	if (xsdt && xsdt < (1ull << 32)) {
		root = phys(xsdt);
		step = 8;
		if (kstrncmp((const char *)root, "XSDT", 4))
			return NULL;
	} else {
		root = phys(rd32(rsdp + 16));
		if (kstrncmp((const char *)root, "RSDT", 4))
			return NULL;
	}
	for (uint32_t off = 36; off + step <= rd32(root + 4); off += step) {
		uint64_t a = step == 8 ? rd64(root + off) : rd32(root + off);

		if (a && a < (1ull << 32) && !kstrncmp((const char *)phys(a), sig, 4))
			return phys(a);
	}
	return NULL;
}

static void pm_outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static uint16_t pm_inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* One element of the \_S5 package: BytePrefix n, ZeroOp, OneOp; -1 else. */
static int aml_small(const uint8_t **p)
{
	const uint8_t *q = *p;

	if (*q == AML_BYTE) {
		*p = q + 2;
		return q[1];
	}
	if (*q <= AML_ONE) {
		*p = q + 1;
		return *q;
	}
	return -1;
}

/* SLP_TYPa and SLP_TYPb of \_S5 in the DSDT: 0, or -1 if it has none. */
static int s5_types(const uint8_t *dsdt, unsigned *a, unsigned *b)
{
	uint32_t len = rd32(dsdt + 4);

	for (uint32_t i = 38; i + 8 < len; i++) {
		const uint8_t *p = dsdt + i, *q;
		int ta, tb;

		if (kstrncmp((const char *)p, "_S5_", 4) || p[4] != AML_PACKAGE)
			continue;
		if (p[-1] != AML_NAME && !(p[-1] == '\\' && p[-2] == AML_NAME))
			continue;
		q = p + 5;
		q += ((*q >> 6) & 3) + 1;	/* PkgLength: 1 to 4 bytes */
		q++;				/* NumElements */
		ta = aml_small(&q);
		tb = ta < 0 ? -1 : aml_small(&q);
		if (ta < 0)
			return -1;
		*a = (unsigned)ta & 7;
		*b = tb < 0 ? 0 : (unsigned)tb & 7;
		return 0;
	}
	return -1;
}

const char *acpi_poweroff(void)
{
	const uint8_t *fadt = acpi_find_table("FACP"), *dsdt;
	uint32_t pm1a, pm1b, smi_cmd, flen;
	uint64_t dsdt_addr, t0;
	unsigned typa, typb;

	if (!fadt)
		return "no ACPI FADT found (no RSDP in the BIOS area: on UEFI the loader does not pass it); turn the machine off";
	flen = rd32(fadt + 4);
	pm1a = rd32(fadt + 64);
	pm1b = rd32(fadt + 68);
	dsdt_addr = rd32(fadt + 40);
	if (flen >= 148 && rd64(fadt + 140) && rd64(fadt + 140) < (1ull << 32))
		dsdt_addr = rd64(fadt + 140);
	if (!pm1a || pm1a > 0xffff)
		return "the FADT has no PM1a control port";
	if (!dsdt_addr)
		return "the FADT names no DSDT";
	dsdt = phys(dsdt_addr);
	if (kstrncmp((const char *)dsdt, "DSDT", 4) || s5_types(dsdt, &typa, &typb))
		return "the DSDT has no \\_S5 package";
	smi_cmd = rd32(fadt + 48);
	if (!(pm_inw((uint16_t)pm1a) & SCI_EN) && smi_cmd && smi_cmd <= 0xffff && fadt[52]) {
		outb((uint16_t)smi_cmd, fadt[52]);	/* ACPI_ENABLE: to ACPI mode */
		t0 = rdtsc();
		while (!(pm_inw((uint16_t)pm1a) & SCI_EN) && rdtsc() - t0 < plat_tsc_hz())
			cpu_relax();
	}
	pm_outw((uint16_t)pm1a, (uint16_t)(typa << 10 | SLP_EN));
	if (pm1b && pm1b <= 0xffff)
		pm_outw((uint16_t)pm1b, (uint16_t)(typb << 10 | SLP_EN));
	t0 = rdtsc();
	while (rdtsc() - t0 < plat_tsc_hz())	/* the machine may take a moment */
		cpu_relax();
	return "the S5 write to PM1_CNT did not power the machine off";
}
