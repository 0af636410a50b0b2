// SPDX-License-Identifier: MIT
/*
 * multiboot.c - the multiboot v1 information into struct boot_info.
 *
 * QEMU (and GRUB) put the kernel's file name first on the command line;
 * that first word is dropped unless it looks like a parameter (has '='),
 * so that boot_info.cmdline holds only the key=value parameters.
 * Strings are copied; module contents stay where the loader put them
 * (above the image, identity-mapped).
 */
#include "klib.h"
#include "x86.h"

#define MB_BOOT_MAGIC	0x2badb002u
#define MBI_CMDLINE	(1u << 2)
#define MBI_MODS	(1u << 3)
#define CMDLINE_MAX	4096
#define MODNAME_MAX	4096	/* a whole path: messages name the script by it */

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device;
	uint32_t cmdline, mods_count, mods_addr;
};

struct mb_module {
	uint32_t start, end, string, reserved;
};

static char cmdline_buf[CMDLINE_MAX];
static char modname_buf[BOOT_MAX_MODULES][MODNAME_MAX];

static void copy_str(char *dst, size_t size, uint32_t addr)
{
	const char *s = (const char *)(uintptr_t)addr;
	size_t n = 0;

	if (addr)
		for (; n + 1 < size && s[n]; n++)
			dst[n] = s[n];
	dst[n] = '\0';
}

static const char *skip_image_name(const char *s)
{
	const char *w = s;

	while (*w == ' ')
		w++;
	s = w;
	while (*s && *s != ' ' && *s != '=')
		s++;
	if (*s == '=')
		return w;	/* a parameter, not a file name */
	while (*s == ' ')
		s++;
	return s;
}

void multiboot_parse(uint32_t magic, uint32_t mbi_addr, struct boot_info *bi)
{
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)mbi_addr;

	bi->cmdline = "";
	bi->nmods = 0;
	if (magic != MB_BOOT_MAGIC || !mbi_addr)
		return;
	if (mbi->flags & MBI_CMDLINE) {
		copy_str(cmdline_buf, sizeof(cmdline_buf), mbi->cmdline);
		bi->cmdline = skip_image_name(cmdline_buf);
	}
	if (!(mbi->flags & MBI_MODS))
		return;
	for (uint32_t i = 0; i < mbi->mods_count && i < BOOT_MAX_MODULES; i++) {
		const struct mb_module *m =
			(const struct mb_module *)(uintptr_t)(mbi->mods_addr + i * sizeof(*m));

		copy_str(modname_buf[i], MODNAME_MAX, m->string);
		bi->mods[i].data = (const char *)(uintptr_t)m->start;
		bi->mods[i].size = m->end - m->start;
		bi->mods[i].name = modname_buf[i];
		bi->nmods++;
	}
}
