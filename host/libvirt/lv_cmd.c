// SPDX-License-Identifier: MIT
/*
 * lv_cmd.c - `irqlbench-lv`: one libvirt launch from the command line, the
 * way `irqlbench run --launcher libvirt` does it, without the record.  For
 * the launcher's tests and for trying a libvirt host by hand.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvirt/lv.h"
#include "libvirt/lv_cmd.h"

static const char lv_usage[] =
	"usage: irqlbench-lv --kernel FILE --serial FILE [--initrd FILE] [--cmdline STR]\n"
	"                    [--vcpus N] [--cpus LIST | --no-pin] [--connect URI]\n"
	"                    [--virt-type auto|kvm|qemu] [--cpu-model M] [--timeout S]\n"
	"                    [--print-xml]\n"
	"\n"
	"Boots the kernel as a transient libvirt domain pinned by the planner, waits for\n"
	"it to stop, prints a JSON summary (libvirt facts, pinning read back, times).\n"
	"exit status: 0 ran, 1 launch failed, 2 bad request, 3 environment, 4 timeout\n";

static char *abs_path(const char *p)
{
	char *r;

	if (!p)
		return NULL;
	r = realpath(p, NULL);
	return r ? r : strdup(p);
}

static json_t *times_json(const struct lv_launch_result *r)
{
	return json_pack("{s:f, s:f, s:f, s:f}", "start_s", r->t_start_s, "pin_s", r->t_pin_s,
			 "run_s", r->t_run_s, "total_s", r->t_total_s);
}

int cmd_lv(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "serial", required_argument, NULL, 's' },
		{ "vcpus", required_argument, NULL, 'n' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "no-pin", no_argument, NULL, 'P' },
		{ "connect", required_argument, NULL, 'u' },
		{ "virt-type", required_argument, NULL, 't' },
		{ "cpu-model", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "print-xml", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lv_launch_req req = { .vcpus = 1, .timeout_ms = 60000 };
	struct lv_launch_result *res = NULL;
	struct pin_plan *plan = NULL;
	const char *cpus = NULL;
	char *kernel = NULL, *initrd = NULL, *serial = NULL, err[768];
	bool pin = true, print_xml = false;
	hwloc_topology_t topo;
	json_t *o;
	int c, rc = 2;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': free(kernel); kernel = abs_path(optarg); break;
		case 'i': free(initrd); initrd = abs_path(optarg); break;
		case 'c': req.cmdline = optarg; break;
		case 's': free(serial); serial = abs_path(optarg); break;
		case 'n': req.vcpus = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'C': cpus = optarg; break;
		case 'P': pin = false; break;
		case 'u': req.uri = optarg; break;
		case 't': req.virt_type = optarg; break;
		case 'm': req.cpu_model = optarg; break;
		case 'T': req.timeout_ms = (unsigned)(strtod(optarg, NULL) * 1000); break;
		case 'x': print_xml = true; break;
		case 'h': fputs(lv_usage, stdout); rc = 0; goto out;
		default: fputs(lv_usage, stderr); goto out;
		}
	}
	if (!kernel || !serial || req.vcpus == 0 || req.vcpus > PIN_MAX_VCPUS) {
		fprintf(stderr, "irqlbench-lv: error: --kernel, --serial and --vcpus 1..%d are required\n",
			PIN_MAX_VCPUS);
		goto out;
	}
	req.kernel = kernel;
	req.initrd = initrd;
	req.serial_log = serial;
	if (pin) {
		plan = malloc(sizeof(*plan));
		if (!plan || pin_load_topology(&topo, NULL, NULL, err, sizeof(err))) {
			fprintf(stderr, "irqlbench-lv: error: %s\n", plan ? err : "out of memory");
			rc = 3;
			goto out;
		}
		rc = pin_plan(topo, req.vcpus, cpus, plan, err, sizeof(err));
		hwloc_topology_destroy(topo);
		if (rc) {
			fprintf(stderr, "irqlbench-lv: error: %s\n", err);
			rc = 2;
			goto out;
		}
		req.plan = plan;
	}
	res = calloc(1, sizeof(*res));
	if (!res) {
		rc = 3;
		goto out;
	}
	rc = lv_launch(&req, res, err, sizeof(err));
	if (print_xml && res->xml)
		fputs(res->xml, stdout);
	o = json_pack("{s:o, s:o, s:o}", "libvirt", lv_result_json(res),
		      "pinning", pin_affinity_json(&res->pinning), "times", times_json(res));
	if (res->threads_valid)
		json_object_set_new(o, "threads", pin_affinity_json(&res->threads));
	if (plan)
		json_object_set_new(o, "plan", pin_plan_json(plan));
	if (plan && rc == 0 && !pin_affinity_matches(plan, &res->pinning, err, sizeof(err)))
		json_object_set_new(o, "pinning_mismatch", json_string(err));
	else if (plan && rc == 0 && res->threads_valid &&
		 !pin_affinity_matches(plan, &res->threads, err, sizeof(err)))
		json_object_set_new(o, "pinning_mismatch", json_string(err));
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
	if (rc)
		fprintf(stderr, "irqlbench-lv: error: %s\n", err);
	lv_result_free(res);
out:
	free(res);
	free(plan);
	free(kernel);
	free(initrd);
	free(serial);
	return rc;
}
