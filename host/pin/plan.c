// SPDX-License-Identifier: MIT
/*
 * plan.c - the vCPU placement planner on the hwloc C API.
 *
 * The rules, in the order they apply (each choice adds a reason):
 *  1. One PU per vCPU, each on its own physical core: two vCPUs on SMT
 *     siblings would share the core's pipeline and turn a CR8-exit count
 *     into a measure of the sibling's load.
 *  2. The core of CPU 0 is the host's housekeeping core (timer, most IRQs,
 *     RCU callbacks on many kernels): no vCPU there while other cores are free.
 *  3. All vCPUs in one L3 domain (an EPYC CCX) and one NUMA node where one
 *     has enough free cores; an L3 without CPU 0 is preferred; otherwise the
 *     fewest L3s of one NUMA node; otherwise the fewest NUMA nodes.
 *  4. The emulator threads get a core of their own (in the vCPUs' NUMA node,
 *     outside their L3 when there is a choice, so the guest keeps its cache),
 *     else CPU 0's core, else (every core holds a vCPU) the free SMT siblings
 *     of CPU 0's core or CPU 0's core itself.
 * Before all of these: only the CPUs this process may use count (its
 * cgroup cpuset, its affinity: struct pin_cpus); where the kernel isolates
 * CPUs (isolcpus=, nohz_full=) and their cores hold every vCPU, the vCPUs
 * go there and everything else (CPU 0's core, the emulator) to the
 * housekeeping CPUs; with too few isolated cores the isolation is not used.
 * Cores and PUs are taken in hwloc's logical order, so plans are
 * deterministic and the tests can assert them exactly.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pin/plan.h"
#include "cli/util.h"

struct core_info {
	unsigned idx;		/* logical index among the usable cores */
	unsigned first_pu;	/* lowest allowed PU (OS index) */
	unsigned npus;		/* allowed PUs in the core */
	cpu_set_t pus;
	int l3;			/* logical index of the L3 above, -1 if none */
	int numa;		/* OS index of the core's first NUMA node, -1 if none */
	bool hk;		/* the housekeeping core (holds CPU 0) */
	bool used;		/* holds a vCPU */
	bool iso;		/* has an isolated or nohz_full PU */
	bool excluded;		/* no vCPU here: a housekeeping core while the vCPUs are isolated */
};

struct planner {
	hwloc_topology_t topo;
	struct core_info *cores;
	unsigned ncores;
	unsigned hk;		/* index of the housekeeping core */
	unsigned hk_pu;		/* its first PU (0 unless CPU 0 is not allowed) */
	unsigned max_smt;
	cpu_set_t special;	/* usable, isolated or nohz_full */
	bool iso_mode;		/* the vCPUs go to the cores with special PUs */
	struct pin_plan *out;
};

static void reason(struct pin_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reason(struct pin_plan *p, const char *fmt, ...)
{
	va_list ap;

	if (p->nreasons >= PIN_MAX_REASONS)
		return;
	va_start(ap, fmt);
	vsnprintf(p->reasons[p->nreasons++], PIN_REASON_LEN, fmt, ap);
	va_end(ap);
}

int pin_load_topology(hwloc_topology_t *topo, const char *xml, const char *synthetic,
		      char *err, size_t errlen)
{
	if (hwloc_topology_init(topo))
		return util_err(err, errlen, -1, "hwloc_topology_init failed: %s", strerror(errno));
	if (xml && hwloc_topology_set_xml(*topo, xml)) {
		util_err(err, errlen, -1, "cannot read topology XML %s: %s (export one with lstopo FILE.xml)",
		     xml, strerror(errno));
		goto out;
	}
	if (synthetic && hwloc_topology_set_synthetic(*topo, synthetic)) {
		util_err(err, errlen, -1, "bad synthetic topology '%s' (e.g. \"package:2 l3:4(size=32MiB) core:4 pu:2\")",
		     synthetic);
		goto out;
	}
	if (hwloc_topology_load(*topo)) {
		util_err(err, errlen, -1, "hwloc cannot load the topology: %s", strerror(errno));
		goto out;
	}
	return 0;
out:
	hwloc_topology_destroy(*topo);
	*topo = NULL;
	return -1;
}

/* out = a without b */
static void cpu_minus(cpu_set_t *out, const cpu_set_t *a, const cpu_set_t *b)
{
	cpu_set_t both;

	CPU_AND(&both, a, b);
	CPU_XOR(out, a, &both);
}

/* --- this host's CPUs: the cpuset, the affinity, the isolated ones ----------- */

/* A CPU list file into set (empty for "" or the kernel's "(null)"); 0, or
 * -1 when it cannot be read or parsed. */
static int read_cpulist_file(const char *path, cpu_set_t *set)
{
	char *s = util_read_line(path), err[160];
	int rc = s ? 0 : -1;

	CPU_ZERO(set);
	if (s && *s && strcmp(s, "(null)") &&
	    util_cpulist_parse(s, set, NULL, 0, NULL, err, sizeof(err))) {
		CPU_ZERO(set);
		rc = -1;
	}
	free(s);
	return rc;
}

/* FILE of cgroup PATH under MNT, or of its nearest parent that has one
 * (cgroup v2 shows cpuset files only where the controller is enabled). */
static int cgroup_file(const char *mnt, const char *path, const char *file, cpu_set_t *set,
		       char *from, size_t len)
{
	char *p = xstrdup(*path ? path : "/"), *full, *slash;
	int rc;

	for (;;) {
		full = xasprintf("%s%s%s%s", mnt, p, strcmp(p, "/") ? "/" : "", file);
		rc = read_cpulist_file(full, set);
		if (!rc)
			snprintf(from, len, "the cgroup cpuset of %s (%s)", path, full);
		free(full);
		if (!rc || !strcmp(p, "/"))
			break;
		slash = strrchr(p, '/');
		slash[slash == p] = '\0';	/* "/a/b" -> "/a", "/a" -> "/" */
	}
	free(p);
	return rc;
}

/* This process's cgroup cpuset: v2 cpuset.cpus.effective, or v1
 * cpuset.effective_cpus; 0 with where it was read in from, or -1. */
static int cgroup_cpuset(cpu_set_t *set, char *from, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX + 128];
	int rc = -1;

	while (f && rc && fgets(line, sizeof(line), f)) {
		/* "hierarchy:controllers:path"; v2's has no controllers */
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		for (char *c = c1 + 1; *c; c++)
			if (*c == ',')
				*c = ' ';
		if (!c1[1])
			rc = cgroup_file("/sys/fs/cgroup", c2 + 1, "cpuset.cpus.effective", set, from, len);
		else if (util_flag_listed(c1 + 1, "cpuset"))
			rc = cgroup_file("/sys/fs/cgroup/cpuset", c2 + 1, "cpuset.effective_cpus", set,
					 from, len);
	}
	if (f)
		fclose(f);
	return rc;
}

void pin_host_cpus(struct pin_cpus *c)
{
	cpu_set_t aff, special, plain, missing;
	char list[256];
	size_t n;

	memset(c, 0, sizeof(*c));
	read_cpulist_file("/sys/devices/system/cpu/isolated", &c->isolated);
	read_cpulist_file("/sys/devices/system/cpu/nohz_full", &c->nohz_full);
	c->have_cpuset = !cgroup_cpuset(&c->cpuset, c->cpuset_from, sizeof(c->cpuset_from));
	if (!c->have_cpuset && !read_cpulist_file("/sys/devices/system/cpu/online", &c->cpuset)) {
		c->have_cpuset = true;
		snprintf(c->cpuset_from, sizeof(c->cpuset_from), "the online CPUs");
	}
	if (!c->have_cpuset || sched_getaffinity(0, sizeof(aff), &aff))
		return;
	/*
	 * The kernel leaves the isolated CPUs out of every process's default
	 * affinity: an affinity that holds all the others is that default.
	 * One that lacks some of them was narrowed (taskset): it counts.
	 */
	CPU_OR(&special, &c->isolated, &c->nohz_full);
	cpu_minus(&plain, &c->cpuset, &special);
	cpu_minus(&missing, &plain, &aff);
	if (!CPU_COUNT(&missing))
		return;
	CPU_AND(&c->cpuset, &c->cpuset, &aff);
	n = strlen(c->cpuset_from);
	snprintf(c->cpuset_from + n, sizeof(c->cpuset_from) - n, " and this process's affinity %s",
		 util_cpulist_format(&aff, list, sizeof(list)));
}

/* --- machine inventory ----------------------------------------------------- */

static int fill_core(struct planner *pl, hwloc_obj_t obj, hwloc_const_cpuset_t allowed,
		     struct core_info *c)
{
	hwloc_obj_t l3, node;
	hwloc_bitmap_t cs = hwloc_bitmap_alloc();
	int i, first = -1;

	hwloc_bitmap_and(cs, obj->cpuset, allowed);
	CPU_ZERO(&c->pus);
	c->npus = 0;
	hwloc_bitmap_foreach_begin(i, cs) {
		if (i >= CPU_SETSIZE)
			continue;
		if (first < 0)
			first = i;
		CPU_SET(i, &c->pus);
		c->npus++;
	} hwloc_bitmap_foreach_end();
	hwloc_bitmap_free(cs);
	if (first < 0)
		return -1;
	c->first_pu = (unsigned)first;
	l3 = hwloc_get_ancestor_obj_by_type(pl->topo, HWLOC_OBJ_L3CACHE, obj);
	c->l3 = l3 ? (int)l3->logical_index : -1;
	node = NULL;
	if (obj->nodeset && !hwloc_bitmap_iszero(obj->nodeset))
		node = hwloc_get_numanode_obj_by_os_index(pl->topo,
				(unsigned)hwloc_bitmap_first(obj->nodeset));
	c->numa = node ? (int)node->os_index : -1;
	c->hk = false;
	c->used = false;
	return 0;
}

/* set as an hwloc bitmap (to free) */
static hwloc_bitmap_t to_bitmap(const cpu_set_t *set)
{
	hwloc_bitmap_t b = hwloc_bitmap_alloc();

	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, set))
			hwloc_bitmap_set(b, (unsigned)i);
	return b;
}

static void to_cpuset(hwloc_const_bitmap_t b, cpu_set_t *set)
{
	int i;

	CPU_ZERO(set);
	hwloc_bitmap_foreach_begin(i, b) {
		if (i < CPU_SETSIZE)
			CPU_SET(i, set);
	} hwloc_bitmap_foreach_end();
}

/*
 * The usable PUs: hwloc's allowed set (this machine's cgroup) within
 * cpus->cpuset; the plan's CPU classes (usable, not in the cpuset,
 * isolated, nohz_full, housekeeping).  To free.
 */
static hwloc_bitmap_t usable_pus(struct planner *pl, const struct pin_cpus *cpus)
{
	struct pin_plan *p = pl->out;
	hwloc_bitmap_t allowed = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(pl->topo));
	cpu_set_t machine;

	if (cpus && cpus->have_cpuset) {
		hwloc_bitmap_t b = to_bitmap(&cpus->cpuset);

		hwloc_bitmap_and(allowed, allowed, b);
		hwloc_bitmap_free(b);
		snprintf(p->cpuset_from, sizeof(p->cpuset_from), "%s", cpus->cpuset_from);
	}
	to_cpuset(allowed, &p->usable);
	to_cpuset(hwloc_topology_get_topology_cpuset(pl->topo), &machine);
	cpu_minus(&p->not_in_cpuset, &machine, &p->usable);
	if (cpus) {
		CPU_AND(&p->isolated, &cpus->isolated, &p->usable);
		CPU_AND(&p->nohz_full, &cpus->nohz_full, &p->usable);
	}
	CPU_OR(&pl->special, &p->isolated, &p->nohz_full);
	cpu_minus(&p->housekeeping, &p->usable, &pl->special);
	return allowed;
}

static int inventory(struct planner *pl, const struct pin_cpus *cpus, char *err, size_t errlen)
{
	hwloc_bitmap_t allowed = usable_pus(pl, cpus);
	hwloc_obj_type_t type = HWLOC_OBJ_CORE;
	int n = hwloc_get_nbobjs_by_type(pl->topo, HWLOC_OBJ_CORE);
	unsigned i, best;

	/* A topology without cores (synthetic "pu:4"): each PU is a core. */
	if (n <= 0) {
		type = HWLOC_OBJ_PU;
		n = hwloc_get_nbobjs_by_type(pl->topo, HWLOC_OBJ_PU);
	}
	pl->cores = n > 0 ? calloc((size_t)n, sizeof(*pl->cores)) : NULL;
	if (n <= 0 || !pl->cores) {
		hwloc_bitmap_free(allowed);
		return util_err(err, errlen, -1, n <= 0 ? "the topology has no processing units" : "out of memory");
	}
	pl->ncores = 0;
	pl->max_smt = 1;
	for (i = 0; i < (unsigned)n; i++) {
		hwloc_obj_t obj = hwloc_get_obj_by_type(pl->topo, type, i);
		struct core_info *c = &pl->cores[pl->ncores];

		if (!obj || fill_core(pl, obj, allowed, c))
			continue;
		c->idx = obj->logical_index;
		if (c->npus > pl->max_smt)
			pl->max_smt = c->npus;
		for (int k = 0; k < CPU_SETSIZE; k++)
			if (CPU_ISSET(k, &c->pus) && CPU_ISSET(k, &pl->special))
				c->iso = true;
		pl->ncores++;
	}
	hwloc_bitmap_free(allowed);
	if (!pl->ncores)
		return util_err(err, errlen, -1, "no allowed processing unit in the topology (check the cpuset/cgroup)");
	/* The housekeeping core: the one with CPU 0, else the lowest PU; a
	 * core the kernel isolates is none while another is not. */
	best = 0;
	for (i = 1; i < pl->ncores; i++) {
		const struct core_info *c = &pl->cores[i], *b = &pl->cores[best];

		if (b->iso != c->iso ? b->iso : c->first_pu < b->first_pu)
			best = i;
	}
	pl->hk = best;
	pl->hk_pu = pl->cores[best].first_pu;
	pl->cores[best].hk = true;
	return 0;
}

static void describe_machine(struct planner *pl)
{
	hwloc_topology_t t = pl->topo;
	int npkg = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE);
	int nnuma = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
	int nl3 = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_L3CACHE);
	unsigned i, npu = 0;
	char smt[32];

	for (i = 0; i < pl->ncores; i++)
		npu += pl->cores[i].npus;
	if (pl->max_smt > 1)
		snprintf(smt, sizeof(smt), "SMT %u", pl->max_smt);
	else
		snprintf(smt, sizeof(smt), "no SMT");
	snprintf(pl->out->machine, sizeof(pl->out->machine),
		 "%d package%s, %d NUMA node%s, %d L3, %u cores, %u PUs (%s)",
		 npkg, npkg == 1 ? "" : "s", nnuma, nnuma == 1 ? "" : "s", nl3,
		 pl->ncores, npu, smt);
}

/* --- choosing the vCPU cores ------------------------------------------------ */

/* A domain is one (L3, NUMA node) pair: an L3 never spans NUMA nodes here. */
struct domain {
	int l3, numa;
	unsigned free;		/* pool cores in it */
	bool has_hk;
	unsigned first;		/* index of its first core, for a stable order */
};

static bool in_pool(const struct core_info *c, bool avoid_hk)
{
	return !c->used && !c->excluded && !(avoid_hk && c->hk);
}

static unsigned collect_domains(struct planner *pl, bool avoid_hk, struct domain *d)
{
	unsigned i, j, n = 0;

	for (i = 0; i < pl->ncores; i++) {
		struct core_info *c = &pl->cores[i];

		for (j = 0; j < n; j++)
			if (d[j].l3 == c->l3 && d[j].numa == c->numa)
				break;
		if (j == n) {
			d[n].l3 = c->l3;
			d[n].numa = c->numa;
			d[n].free = 0;
			d[n].has_hk = false;
			d[n].first = i;
			n++;
		}
		if (c->hk)
			d[j].has_hk = true;
		if (in_pool(c, avoid_hk))
			d[j].free++;
	}
	return n;
}

/* Takes up to want pool cores of domain d (lowest first, the hk core last). */
static unsigned take_from(struct planner *pl, const struct domain *d, bool avoid_hk,
			  unsigned want, unsigned *chosen, unsigned nchosen)
{
	unsigned i, got = 0;
	int pass;

	for (pass = 0; pass < 2 && got < want; pass++) {
		for (i = 0; i < pl->ncores && got < want; i++) {
			struct core_info *c = &pl->cores[i];

			if (c->l3 != d->l3 || c->numa != d->numa || !in_pool(c, avoid_hk))
				continue;
			if (c->hk != (pass == 1))
				continue;
			c->used = true;
			chosen[nchosen + got++] = i;
		}
	}
	return got;
}

static const char *l3_name(int l3, char *buf, size_t len)
{
	if (l3 < 0)
		snprintf(buf, len, "no L3");
	else
		snprintf(buf, len, "L3 #%d", l3);
	return buf;
}

/* Best single domain with want free cores: one without CPU 0 first. */
static int best_domain(const struct domain *d, unsigned nd, unsigned want)
{
	int best = -1;
	unsigned i;

	for (i = 0; i < nd; i++) {
		if (d[i].free < want)
			continue;
		if (best < 0 || (d[best].has_hk && !d[i].has_hk))
			best = (int)i;
	}
	return best;
}

static int cmp_domain_free(const void *a, const void *b)
{
	const struct domain *x = a, *y = b;

	if (x->free != y->free)
		return x->free > y->free ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Fills the vCPUs from the domains of one NUMA node (or all: numa == -2). */
static unsigned fill_greedy(struct planner *pl, struct domain *d, unsigned nd, int numa,
			    bool avoid_hk, unsigned want, unsigned *chosen, char *names, size_t len)
{
	unsigned i, got = 0, nl3 = 0;
	size_t off = 0;

	qsort(d, nd, sizeof(*d), cmp_domain_free);
	names[0] = '\0';
	for (i = 0; i < nd && got < want; i++) {
		unsigned g;

		if (numa != -2 && d[i].numa != numa)
			continue;
		g = take_from(pl, &d[i], avoid_hk, want - got, chosen, got);
		if (g && off < len)
			off += snprintf(names + off, len - off, "%s#%d (%u)", nl3 ? ", " : "", d[i].l3, g);
		if (g)
			nl3++;
		got += g;
	}
	return nl3;
}

struct numa_count {
	int numa;
	unsigned free;
	bool has_hk;
};

static unsigned numa_counts(const struct domain *d, unsigned nd, struct numa_count *nc)
{
	unsigned i, j, n = 0;

	for (i = 0; i < nd; i++) {
		for (j = 0; j < n; j++)
			if (nc[j].numa == d[i].numa)
				break;
		if (j == n) {
			nc[n].numa = d[i].numa;
			nc[n].free = 0;
			nc[n].has_hk = false;
			n++;
		}
		nc[j].free += d[i].free;
		nc[j].has_hk |= d[i].has_hk;
	}
	return n;
}

static int cmp_numa_free(const void *a, const void *b)
{
	const struct numa_count *x = a, *y = b;

	if (x->free != y->free)
		return x->free > y->free ? -1 : 1;
	if (x->has_hk != y->has_hk)
		return x->has_hk ? 1 : -1;
	return x->numa < y->numa ? -1 : x->numa > y->numa;
}

static unsigned count_used(const struct planner *pl)
{
	unsigned i, n = 0;

	for (i = 0; i < pl->ncores; i++)
		n += pl->cores[i].used;
	return n;
}

static void choose_vcpu_cores(struct planner *pl, bool avoid_hk, unsigned *chosen)
{
	struct pin_plan *p = pl->out;
	unsigned n = p->nvcpus, nd, nn, i, nl3;
	char names[160];
	struct domain *d = calloc(pl->ncores, sizeof(*d));
	struct numa_count *nc = calloc(pl->ncores, sizeof(*nc));
	char b1[32];
	int best, bestn = -1;

	if (!d || !nc)
		abort();
	nd = collect_domains(pl, avoid_hk, d);
	best = best_domain(d, nd, n);
	if (best >= 0) {
		unsigned alt = 0;

		take_from(pl, &d[best], avoid_hk, n, chosen, 0);
		for (i = 0; i < nd; i++)
			if ((int)i != best && d[i].free >= n)
				alt++;
		if (nd == 1 && d[best].l3 < 0)
			reason(p, "all %u vCPU%s in NUMA node %d: the machine has no L3 cache",
			       n, n == 1 ? "" : "s", d[best].numa);
		else if (nd == 1)
			reason(p, "all %u vCPU%s in %s, NUMA node %d: the machine has one L3 domain",
			       n, n == 1 ? "" : "s", l3_name(d[best].l3, b1, sizeof(b1)), d[best].numa);
		else
			reason(p, "all %u vCPU%s in %s, NUMA node %d: the first L3 domain with %u free core%s%s",
			       n, n == 1 ? "" : "s", l3_name(d[best].l3, b1, sizeof(b1)), d[best].numa, n,
			       n == 1 ? "" : "s",
			       d[best].has_hk ? "" : (alt || pl->cores[pl->hk].l3 >= 0 ?
						      " that does not hold CPU 0" : ""));
		p->one_l3 = p->one_numa = true;
		goto out;
	}
	/* No L3 is big enough: the fewest L3s of one NUMA node. */
	nn = numa_counts(d, nd, nc);
	for (i = 0; i < nn; i++) {
		if (nc[i].free < n)
			continue;
		if (bestn < 0 || (nc[bestn].has_hk && !nc[i].has_hk))
			bestn = (int)i;
	}
	if (bestn >= 0) {
		unsigned maxfree = 0;

		for (i = 0; i < nd; i++)
			if (d[i].free > maxfree)
				maxfree = d[i].free;
		nl3 = fill_greedy(pl, d, nd, nc[bestn].numa, avoid_hk, n, chosen, names, sizeof(names));
		reason(p, "no L3 domain has %u free cores (at most %u): the vCPUs span %u L3 domains of NUMA node %d: L3 %s",
		       n, maxfree, nl3, nc[bestn].numa, names);
		p->one_l3 = false;
		p->one_numa = true;
		goto out;
	}
	/* Fewest NUMA nodes: the fullest node first, then the next. */
	{
		unsigned got = 0, nnodes = 0;
		size_t off = 0;

		qsort(nc, nn, sizeof(*nc), cmp_numa_free);
		nl3 = 0;
		for (i = 0; i < nn && got < n; i++) {
			unsigned before = got;
			char part[160];

			nl3 += fill_greedy(pl, d, nd, nc[i].numa, avoid_hk, n - got, chosen + got,
					   part, sizeof(part));
			got = count_used(pl);
			if (got > before && off < sizeof(names)) {
				off += snprintf(names + off, sizeof(names) - off, "%snode %d: L3 %s",
						nnodes ? "; " : "", nc[i].numa, part);
				nnodes++;
			}
		}
		reason(p, "no NUMA node has %u free cores: the vCPUs span %u NUMA nodes and %u L3 domains (%s)",
		       n, nnodes, nl3, names);
	}
	p->one_l3 = false;
	p->one_numa = false;
out:
	free(d);
	free(nc);
}

/* vCPU order: cores in logical order, the housekeeping core last. */
static void order_vcpus(struct planner *pl, unsigned *chosen, unsigned n)
{
	unsigned i, j;

	for (i = 1; i < n; i++) {
		unsigned v = chosen[i];

		for (j = i; j > 0; j--) {
			const struct core_info *a = &pl->cores[chosen[j - 1]], *b = &pl->cores[v];

			if (a->hk < b->hk || (a->hk == b->hk && a->idx < b->idx))
				break;
			chosen[j] = chosen[j - 1];
		}
		chosen[j] = v;
	}
}

/* --- the emulator ----------------------------------------------------------- */

static bool core_in_vcpu_l3(const struct planner *pl, const struct core_info *c)
{
	unsigned i;

	if (c->l3 < 0)
		return false;
	for (i = 0; i < pl->ncores; i++)
		if (pl->cores[i].used && pl->cores[i].l3 == c->l3)
			return true;
	return false;
}

static void choose_emulator(struct planner *pl)
{
	struct pin_plan *p = pl->out;
	const struct core_info *hk = &pl->cores[pl->hk];
	int vnuma = -1, best = -1, best_score = -1;
	unsigned i;
	char list[256];

	for (i = 0; i < pl->ncores; i++)
		if (pl->cores[i].used && CPU_ISSET(p->vcpu_pu[0], &pl->cores[i].pus))
			vnuma = pl->cores[i].numa;
	/* score: 2 same NUMA node, +1 outside the vCPUs' L3 */
	for (i = 0; i < pl->ncores; i++) {
		const struct core_info *c = &pl->cores[i];
		int score;

		if (c->used || c->hk || (pl->iso_mode && c->iso))
			continue;
		score = (c->numa == vnuma ? 2 : 0) + (core_in_vcpu_l3(pl, c) ? 0 : 1);
		if (score > best_score) {
			best = (int)i;
			best_score = score;
		}
	}
	if (best >= 0) {
		const struct core_info *c = &pl->cores[best];
		char b1[32];

		p->emulator = c->pus;
		reason(p, "emulator threads on core %u (PUs %s, %s, NUMA node %d): a core of their own%s",
		       c->idx, util_cpulist_format(&c->pus, list, sizeof(list)),
		       l3_name(c->l3, b1, sizeof(b1)), c->numa,
		       best_score == 3 ? ", in the vCPUs' NUMA node, outside their L3" :
		       best_score == 2 ? ", in the vCPUs' NUMA node (no core free outside their L3)" :
		       best_score == 1 ? ", in another NUMA node (none free in the vCPUs' node)" :
		       ", in another NUMA node and inside the vCPUs' L3");
		return;
	}
	if (!hk->used) {
		p->emulator = hk->pus;
		reason(p, "emulator threads on CPU %u's core (PUs %s), shared with the host: no other core is free",
		       pl->hk_pu, util_cpulist_format(&hk->pus, list, sizeof(list)));
		return;
	}
	/* Every core holds a vCPU: the free siblings of the hk core, or the core. */
	p->emulator = hk->pus;
	for (i = 0; i < p->nvcpus; i++)
		CPU_CLR(p->vcpu_pu[i], &p->emulator);
	p->emulator_shared = true;
	if (CPU_COUNT(&p->emulator)) {
		reason(p, "emulator threads on the free SMT sibling%s %s of CPU %u's core, which holds a vCPU: every core holds a vCPU",
		       CPU_COUNT(&p->emulator) > 1 ? "s" : "",
		       util_cpulist_format(&p->emulator, list, sizeof(list)), pl->hk_pu);
		return;
	}
	p->emulator = hk->pus;
	reason(p, "emulator threads share CPU %u (PUs %s) with a vCPU: every core holds a vCPU",
	       pl->hk_pu, util_cpulist_format(&hk->pus, list, sizeof(list)));
}

/* --- the plan ---------------------------------------------------------------- */

static void smt_reason(struct planner *pl)
{
	struct pin_plan *p = pl->out;

	if (pl->max_smt > 1)
		reason(p, "one PU per vCPU on %u distinct physical core%s; their SMT siblings stay idle",
		       p->nvcpus, p->nvcpus == 1 ? "" : "s");
	else
		reason(p, "one PU per vCPU on %u distinct physical core%s (no SMT)",
		       p->nvcpus, p->nvcpus == 1 ? "" : "s");
}

/* "isolated 2-7, nohz_full 2-7": what the kernel sets apart, for reasons */
static const char *special_names(const struct pin_plan *p, char *buf, size_t len)
{
	char a[256], b[256];

	util_cpulist_format(&p->isolated, a, sizeof(a));
	util_cpulist_format(&p->nohz_full, b, sizeof(b));
	snprintf(buf, len, "%s%s%s%s%s", *a ? "isolated " : "", a, *a && *b ? ", " : "",
		 *b ? "nohz_full " : "", b);
	return buf;
}

/*
 * Where the kernel isolates CPUs and their cores can hold every vCPU, the
 * vCPUs go there (each on an isolated PU of its core) and no vCPU goes to
 * a housekeeping core; else the isolation is not used, and says so.
 */
static void choose_isolation(struct planner *pl)
{
	struct pin_plan *p = pl->out;
	unsigned i, niso = 0, nhk = 0;
	char names[600], hk[256];

	if (!CPU_COUNT(&pl->special))
		return;
	for (i = 0; i < pl->ncores; i++)
		pl->cores[i].iso ? niso++ : nhk++;
	special_names(p, names, sizeof(names));
	util_cpulist_format(&p->housekeeping, hk, sizeof(hk));
	if (niso < p->nvcpus || !nhk) {
		reason(p, "the kernel sets CPUs apart (%s), but %s: the isolation is not used, the vCPUs share the housekeeping CPUs",
		       names, !nhk ? "no housekeeping CPU is left" : "their cores are too few for the vCPUs");
		return;
	}
	pl->iso_mode = p->on_isolated = true;
	for (i = 0; i < pl->ncores; i++) {
		struct core_info *c = &pl->cores[i];

		c->excluded = !c->iso;
		for (int k = 0; c->iso && k < CPU_SETSIZE; k++)
			if (CPU_ISSET(k, &c->pus) && CPU_ISSET(k, &pl->special)) {
				c->first_pu = (unsigned)k;	/* the vCPU's PU: an isolated one */
				break;
			}
	}
	reason(p, "the vCPUs on CPUs the kernel sets apart (%s); the host and the emulator threads on the housekeeping CPUs %s",
	       names, hk);
}

/* The CPUs this process may not use, and why. */
static void cpuset_reason(struct planner *pl)
{
	struct pin_plan *p = pl->out;
	char list[256];

	if (CPU_COUNT(&p->not_in_cpuset))
		reason(p, "CPU%s %s not used: this process may not use %s (%s; systemd's AllowedCPUs= sets a service's cpuset, taskset the affinity)",
		       CPU_COUNT(&p->not_in_cpuset) > 1 ? "s" : "",
		       util_cpulist_format(&p->not_in_cpuset, list, sizeof(list)),
		       CPU_COUNT(&p->not_in_cpuset) > 1 ? "them" : "it",
		       p->cpuset_from[0] ? p->cpuset_from : "the CPUs given");
}

static int plan_auto(struct planner *pl, char *err, size_t errlen)
{
	struct pin_plan *p = pl->out;
	unsigned n = p->nvcpus, i;
	unsigned *chosen;
	bool avoid_hk = pl->ncores >= n + 1;
	char list[256];

	if (n > pl->ncores)
		return util_err(err, errlen, -1,
			    "%u vCPUs need %u distinct physical cores but this machine has %u (SMT siblings are never shared): use --vcpus %u or fewer",
			    n, n, pl->ncores, pl->ncores);
	chosen = calloc(n, sizeof(*chosen));
	if (!chosen)
		return util_err(err, errlen, -1, "out of memory");
	smt_reason(pl);
	cpuset_reason(pl);
	choose_isolation(pl);
	choose_vcpu_cores(pl, avoid_hk, chosen);
	order_vcpus(pl, chosen, n);
	for (i = 0; i < n; i++)
		p->vcpu_pu[i] = pl->cores[chosen[i]].first_pu;
	if (pl->iso_mode)
		;	/* choose_isolation() said where the host stays */
	else if (avoid_hk)
		reason(p, "CPU %u's core (PUs %s) is left to the host%s", pl->hk_pu,
		       util_cpulist_format(&pl->cores[pl->hk].pus, list, sizeof(list)),
		       pl->ncores >= n + 2 ? "" : " and the emulator");
	else
		reason(p, "vCPU %u shares CPU %u's core with the host: %u cores for %u vCPUs",
		       n - 1, pl->hk_pu, pl->ncores, n);
	free(chosen);
	choose_emulator(pl);
	return 0;
}

static struct core_info *core_of_pu(struct planner *pl, unsigned pu)
{
	unsigned i;

	for (i = 0; i < pl->ncores; i++)
		if (CPU_ISSET(pu, &pl->cores[i].pus))
			return &pl->cores[i];
	return NULL;
}

static int plan_override(struct planner *pl, const char *list, char *err, size_t errlen)
{
	struct pin_plan *p = pl->out;
	unsigned order[PIN_MAX_VCPUS], n = 0, i, j;
	struct core_info *cs[PIN_MAX_VCPUS];
	cpu_set_t set, all;
	char buf[256];

	if (util_cpulist_parse(list, &set, order, PIN_MAX_VCPUS, &n, err, errlen))
		return -1;
	if (n != p->nvcpus)
		return util_err(err, errlen, -1, "--cpus %s lists %u CPU%s for %u vCPU%s: give exactly one CPU per vCPU",
			    list, n, n == 1 ? "" : "s", p->nvcpus, p->nvcpus == 1 ? "" : "s");
	CPU_ZERO(&all);
	for (i = 0; i < pl->ncores; i++)
		CPU_OR(&all, &all, &pl->cores[i].pus);
	for (i = 0; i < n; i++) {
		cs[i] = core_of_pu(pl, order[i]);
		if (!cs[i] && CPU_ISSET(order[i], &p->not_in_cpuset))
			return util_err(err, errlen, -1, "--cpus %s: CPU %u is not one this process may use (not in %s; usable CPUs %s)",
				    list, order[i], p->cpuset_from[0] ? p->cpuset_from : "its cpuset",
				    util_cpulist_format(&all, buf, sizeof(buf)));
		if (!cs[i])
			return util_err(err, errlen, -1, "--cpus %s: CPU %u is not in this machine (usable CPUs %s)",
				    list, order[i], util_cpulist_format(&all, buf, sizeof(buf)));
		p->vcpu_pu[i] = order[i];
	}
	p->overridden = true;
	reason(p, "vCPU PUs chosen by --cpus %s", list);
	p->one_l3 = p->one_numa = true;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (cs[j] == cs[i])
				reason(p, "warning: --cpus puts vCPUs %u and %u on SMT siblings of core %u (PUs %u and %u)",
				       j, i, cs[i]->idx, order[j], order[i]);
		if (cs[i]->l3 != cs[0]->l3)
			p->one_l3 = false;
		if (cs[i]->numa != cs[0]->numa)
			p->one_numa = false;
	}
	for (i = 0; i < n; i++)
		cs[i]->used = true;
	if (!p->one_l3)
		reason(p, "note: the listed CPUs span more than one L3 domain");
	if (!p->one_numa)
		reason(p, "note: the listed CPUs span more than one NUMA node");
	if (pl->cores[pl->hk].used)
		reason(p, "note: --cpus puts a vCPU on CPU %u's core, the host's housekeeping core", pl->hk_pu);
	cpuset_reason(pl);
	if (CPU_COUNT(&pl->special)) {
		char names[600];

		/* the emulator stays off the isolated cores all the same */
		pl->iso_mode = true;
		p->on_isolated = true;
		for (i = 0; i < n; i++)
			if (!CPU_ISSET(order[i], &pl->special)) {
				p->on_isolated = false;
				reason(p, "note: --cpus puts vCPU %u on CPU %u, which the kernel does not set apart (%s)",
				       i, order[i], special_names(p, names, sizeof(names)));
			}
	}
	choose_emulator(pl);
	return 0;
}

int pin_plan(hwloc_topology_t topo, unsigned nvcpus, const char *cpus_override,
	     struct pin_plan *out, char *err, size_t errlen)
{
	struct pin_cpus host;

	/* a saved or synthetic topology is another machine: none of ours */
	if (hwloc_topology_is_thissystem(topo) != 1)
		return pin_plan_cpus(topo, NULL, nvcpus, cpus_override, out, err, errlen);
	pin_host_cpus(&host);
	return pin_plan_cpus(topo, &host, nvcpus, cpus_override, out, err, errlen);
}

int pin_plan_cpus(hwloc_topology_t topo, const struct pin_cpus *cpus, unsigned nvcpus,
		  const char *cpus_override, struct pin_plan *out, char *err, size_t errlen)
{
	struct planner pl = { .topo = topo, .out = out };
	int rc;

	memset(out, 0, sizeof(*out));
	if (nvcpus == 0)
		return util_err(err, errlen, -1, "--vcpus must be at least 1");
	if (nvcpus > PIN_MAX_VCPUS)
		return util_err(err, errlen, -1, "--vcpus %u is more than the planner's limit of %d", nvcpus, PIN_MAX_VCPUS);
	out->nvcpus = nvcpus;
	if (inventory(&pl, cpus, err, errlen)) {
		free(pl.cores);
		return -1;
	}
	describe_machine(&pl);
	if (cpus_override)
		rc = plan_override(&pl, cpus_override, err, errlen);
	else
		rc = plan_auto(&pl, err, errlen);
	free(pl.cores);
	return rc;
}

/* --- plans and affinities as data ------------------------------------------ */

void pin_plan_to_affinity(const struct pin_plan *plan, struct pin_affinity *aff)
{
	unsigned i;

	memset(aff, 0, sizeof(*aff));
	aff->nvcpus = plan->nvcpus;
	for (i = 0; i < plan->nvcpus; i++) {
		CPU_ZERO(&aff->vcpu[i]);
		CPU_SET(plan->vcpu_pu[i], &aff->vcpu[i]);
	}
	aff->emulator = plan->emulator;
	aff->emulator_uniform = true;
}

bool pin_affinity_matches(const struct pin_plan *plan, const struct pin_affinity *aff,
			  char *err, size_t errlen)
{
	struct pin_affinity want;
	char a[256], b[256];
	unsigned i;

	pin_plan_to_affinity(plan, &want);
	if (aff->nvcpus != plan->nvcpus) {
		util_err(err, errlen, -1, "%u vCPUs read back, %u planned", aff->nvcpus, plan->nvcpus);
		return false;
	}
	for (i = 0; i < plan->nvcpus; i++) {
		if (!CPU_EQUAL(&aff->vcpu[i], &want.vcpu[i])) {
			util_err(err, errlen, -1, "vCPU %u runs on CPUs %s, planned %s", i,
			     util_cpulist_format(&aff->vcpu[i], a, sizeof(a)),
			     util_cpulist_format(&want.vcpu[i], b, sizeof(b)));
			return false;
		}
	}
	if (!CPU_EQUAL(&aff->emulator, &want.emulator)) {
		util_err(err, errlen, -1, "emulator runs on CPUs %s, planned %s",
		     util_cpulist_format(&aff->emulator, a, sizeof(a)),
		     util_cpulist_format(&want.emulator, b, sizeof(b)));
		return false;
	}
	return true;
}

static json_t *set_json(const cpu_set_t *set)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, set))
			json_array_append_new(a, json_integer(i));
	return a;
}

json_t *pin_affinity_json(const struct pin_affinity *aff)
{
	json_t *v = json_array();
	unsigned i;

	for (i = 0; i < aff->nvcpus; i++)
		json_array_append_new(v, set_json(&aff->vcpu[i]));
	return json_pack("{s:o, s:o}", "vcpu", v, "emulator", set_json(&aff->emulator));
}

json_t *pin_plan_json(const struct pin_plan *plan)
{
	struct pin_affinity aff;
	json_t *o, *r = json_array();
	unsigned i;

	pin_plan_to_affinity(plan, &aff);
	o = pin_affinity_json(&aff);
	for (i = 0; i < plan->nreasons; i++)
		json_array_append_new(r, json_string(plan->reasons[i]));
	json_object_set_new(o, "reasons", r);
	json_object_set_new(o, "machine", json_string(plan->machine));
	json_object_set_new(o, "overridden", json_boolean(plan->overridden));
	json_object_set_new(o, "one_l3", json_boolean(plan->one_l3));
	json_object_set_new(o, "one_numa", json_boolean(plan->one_numa));
	json_object_set_new(o, "emulator_shared", json_boolean(plan->emulator_shared));
	json_object_set_new(o, "on_isolated", json_boolean(plan->on_isolated));
	json_object_set_new(o, "cpus", json_pack("{s:o, s:o, s:o, s:o, s:o, s:s}",
		"usable", set_json(&plan->usable), "housekeeping", set_json(&plan->housekeeping),
		"isolated", set_json(&plan->isolated), "nohz_full", set_json(&plan->nohz_full),
		"not_in_cpuset", set_json(&plan->not_in_cpuset), "cpuset_from", plan->cpuset_from));
	return o;
}
