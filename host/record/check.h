/* SPDX-License-Identifier: MIT */
/*
 * check.h - the rules a record's facts keep with each other, whoever reads
 * the record: the store's validation (store_validate_record(): `results
 * import`, `merge`, `import --serial`, verify's runs) and `model
 * --costs-from`.  The shape of a record (its keys and their types) is the
 * store's to check; these are the facts that a hand-edited record could
 * make disagree, each of which would pass a wrong number for a right one.
 *
 *  - "emulated" follows from the record's backend and provenance: a model
 *    record is simulated and a tcg record emulated, always; a lab record
 *    is real only where provenance.lab.l1_accel names a hypervisor (not
 *    "tcg", not missing: the lab marks a run without it emulated); a kvm
 *    or lab record whose host (provenance.host.hypervisor.vendor) or any
 *    record whose guest (guest.hypervisor) saw QEMU's TCG
 *    ("TCGTCGTCGTCG") is emulated.  "emulated": true where nothing
 *    requires it says less than the record could, and is kept.
 *  - exit_times (every phase and vCPU, every reason: results/SCHEMA.md)
 *    are one set of timed exits: n, untimed and sum are not negative, n a
 *    whole count; n = 0 has no time (sum 0, min and max null or 0); else
 *    min <= max and the mean, sum / n and the "mean" given, lies in
 *    [min, max].  model --costs-from takes each reason's cost from sum / n.
 *  - "workload" is one of the catalog's (workloads/catalog.c) and
 *    "params" are its parameters (its own and the common ones), each a
 *    whole number at least 0: what the guest applied and reported (an A
 *    line), what run and model write.  A key the catalog does not have
 *    would match no expectation of workloads/suites.cfg (verify), make a
 *    parameter tuple of its own (compare) and a KCIDB test path of its own
 *    (export); no parameter has ever left the catalog, so no older record
 *    has one.  A record of a newer irqlbench with a workload or parameter
 *    this one lacks is refused: import it with that irqlbench.
 */
#ifndef IRQLBENCH_RECORD_CHECK_H
#define IRQLBENCH_RECORD_CHECK_H

#include <stddef.h>
#include <jansson.h>

/* 0 when rec's facts keep the rules above, else -1 with one line in err
 * naming the field, what contradicts it and the fix.  rec is a JSON
 * object (what is missing or of another type is the shape's to refuse,
 * and passes here). */
int record_check_facts(json_t *rec, char *err, size_t errlen);

#endif
