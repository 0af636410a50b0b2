// SPDX-License-Identifier: MIT
/*
 * jobs.c - a list of different jobs in one boot, and the loader-side words
 * of the command line (results/SERIAL.md, "Job lists").
 *
 * A command line with one workload= word is one job (or repeat=N of it) and
 * goes to guest_main() as it is.  With two or more, each workload= word
 * begins a job, made of it and the words after it up to the next workload=;
 * the jobs run one after the other on the boot CPU, each with its job line
 * and marker as repeat=N prints them, each its own guest_main() (its own
 * parameters, phases, counters and report).  This is how the ISO of
 * `irqlbench image` runs a suite in one boot.  Words before the first
 * workload= belong to every job.
 *
 * console=vga (any job form) is taken off the line here: it mirrors the
 * serial text on the VGA text screen (vga.c), for a machine a user watches.
 * So is image=VERSION (the ISO's irqlbench version), printed as the line
 * "irqlbench-guest image VERSION" for the log's importer, and apic=MODE,
 * which the boot CPU applied before anything else (jobs_apic_word).
 */
#include "klib.h"
#include "x86.h"

#define JOBS_LINE_MAX	4096	/* multiboot.c's CMDLINE_MAX */
#define JOB_WORD	"workload="
#define VGA_WORD	"console=vga"
#define IMAGE_WORD	"image="
#define APIC_WORD	"apic="

static char line[JOBS_LINE_MAX];	/* the command line without console=vga */
static char job_line[JOBS_LINE_MAX];

/* The next space-separated word of *p: its start, its length in *n. */
static const char *next_word(const char **p, size_t *n)
{
	const char *s = *p, *w;

	while (*s == ' ')
		s++;
	w = s;
	while (*s && *s != ' ')
		s++;
	*n = (size_t)(s - w);
	*p = s;
	return *n ? w : NULL;
}

static bool word_is(const char *w, size_t n, const char *what, bool prefix)
{
	size_t k = kstrlen(what);

	return (prefix ? n > k : n == k) && !kstrncmp(w, what, k);
}

static void append(char *dst, size_t size, const char *w, size_t n)
{
	size_t len = kstrlen(dst);

	if (len + 1 + n + 1 > size)
		return;		/* cannot happen: dst is never longer than the line */
	if (len)
		dst[len++] = ' ';
	kmemcpy(dst + len, w, n);
	dst[len + n] = 0;
}

/* Job k's words: the words before the first workload=, then its own. */
static void job_words(unsigned k, char *dst, size_t size)
{
	const char *p = line, *w;
	size_t n;
	unsigned job = 0;	/* 0: before the first workload=, j: in job j-1 */

	dst[0] = 0;
	while ((w = next_word(&p, &n))) {
		if (word_is(w, n, JOB_WORD, true))
			job++;
		if (!job || job == k + 1)
			append(dst, size, w, n);
	}
}

/* The value of the last apic= word of the command line, or NULL. */
const char *jobs_apic_word(const char *cmdline, size_t *len)
{
	const char *p = cmdline, *w, *v = NULL;
	size_t n;

	while ((w = next_word(&p, &n)))
		if (word_is(w, n, APIC_WORD, true)) {
			v = w + kstrlen(APIC_WORD);
			*len = n - kstrlen(APIC_WORD);
		}
	return v;
}

int guest_jobs_main(struct boot_info *bi)
{
	const char *p = bi->cmdline, *w;
	struct boot_info jb = *bi;
	unsigned njobs = 0;
	size_t n;
	int rc = 0;

	line[0] = 0;
	while ((w = next_word(&p, &n))) {
		if (word_is(w, n, VGA_WORD, false)) {
			vga_enable();
			vga_write("irqlbench-guest v=1 boot\n");	/* serial has it */
			continue;
		}
		if (word_is(w, n, IMAGE_WORD, true)) {
			kprintf("irqlbench-guest image %.*s\n", (int)(n - kstrlen(IMAGE_WORD)),
				w + kstrlen(IMAGE_WORD));
			continue;
		}
		if (word_is(w, n, APIC_WORD, true))
			continue;	/* applied at boot (arch_main) */
		if (word_is(w, n, JOB_WORD, true))
			njobs++;
		append(line, sizeof(line), w, n);
	}
	jb.cmdline = line;
	if (njobs < 2)
		return guest_main(&jb);
	if (njobs > REPEAT_MAX) {
		kprintf("!! error code=badparam msg=\"a job list has %u jobs: at most %u\"\n", njobs,
			REPEAT_MAX);
		return 2;
	}
	if (plat_ncpus() > 1) {
		kprintf("irqlbench-guest jobs: %u CPUs found; a job list runs on CPU 0 alone\n",
			plat_ncpus());
		smp_keep_aps_parked();
	}
	for (unsigned k = 0; k < njobs; k++) {
		kprintf("irqlbench-guest job %u of %u\n", k + 1, njobs);
		plat_phase(JOB_MARKER(k));
		job_words(k, job_line, sizeof(job_line));
		jb.cmdline = job_line;
		rc = guest_main(&jb);
		if (rc > 1)
			break;	/* a bad parameter: the boot ends here, as a fault would */
	}
	return rc;
}
