// SPDX-License-Identifier: MIT
/* registry.c - binds the catalog's workload names to their code. */
#include "klib.h"
#include "workload.h"

int wl_seed_table(struct wl_ctx *ctx);
int wl_nested_spinlock(struct wl_ctx *ctx);
int wl_masked_clock(struct wl_ctx *ctx);
int wl_irql_churn(struct wl_ctx *ctx);
int wl_dpc_storm(struct wl_ctx *ctx);
int wl_windows_mix(struct wl_ctx *ctx);
int wl_cross_cpu_dpc(struct wl_ctx *ctx);
int wl_ipi_generic_call(struct wl_ctx *ctx);
int wl_ipi_generic_call_declare(const struct wl_values *vals, const struct boot_info *bi,
				char *err, size_t errlen);
int wl_cross_cpu_dpc_declare(const struct wl_values *vals, const struct boot_info *bi,
			     char *err, size_t errlen);
int wl_script(struct wl_ctx *ctx);
int wl_script_declare(const struct wl_values *vals, const struct boot_info *bi,
		      char *err, size_t errlen);
int wl_hang(struct wl_ctx *ctx);
int wl_fault(struct wl_ctx *ctx);
int wl_triple_fault(struct wl_ctx *ctx);

static const struct wl_impl impls[] = {
	{ "seed-table", wl_seed_table, NULL },
	{ "nested-spinlock", wl_nested_spinlock, NULL },
	{ "masked-clock", wl_masked_clock, NULL },
	{ "irql-churn", wl_irql_churn, NULL },
	{ "dpc-storm", wl_dpc_storm, NULL },
	{ "windows-mix", wl_windows_mix, NULL },
	{ "cross-cpu-dpc", wl_cross_cpu_dpc, wl_cross_cpu_dpc_declare },
	{ "ipi-generic-call", wl_ipi_generic_call, wl_ipi_generic_call_declare },
	{ "script", wl_script, wl_script_declare },
#ifdef IRQLBENCH_GUEST
	{ "hang", wl_hang, NULL },
	{ "fault", wl_fault, NULL },
	{ "triple-fault", wl_triple_fault, NULL },
#endif
};

const struct wl_impl *wl_impl_find(const char *name)
{
	for (unsigned i = 0; i < sizeof(impls) / sizeof(impls[0]); i++)
		if (!kstrcmp(impls[i].name, name))
			return &impls[i];
	return NULL;
}
