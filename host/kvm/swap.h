/* SPDX-License-Identifier: MIT */
/*
 * swap.h - `irqlbench kvm swap` (swap.c): load a kvm/kvm_amd variant into the
 * running kernel, and bring the originals back, journaled in
 * /run/irqlbench/kvm-swap.json so that an interrupted swap can be finished.
 */
#ifndef IRQLBENCH_KVM_SWAP_H
#define IRQLBENCH_KVM_SWAP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/*
 * Whether the modules in @dir (kvm.ko, kvm-amd.ko) can load into the running
 * kernel, checked before anything is unloaded: not a kernel that loads
 * signed modules only (lockdown, module.sig_enforce), their vermagic the
 * running kernel's (modinfo), files and folder root's only.  0, or -1 with
 * one line in err naming the problem and its fix.
 */
int kvm_swap_loadable(const char *dir, char *err, size_t len);

/*
 * Replaces the loaded kvm and kvm_amd by @dir's (the caller checked that
 * no VM runs and kvm_swap_loadable()), journaled step by step, with the
 * stop signals blocked; a VM must run afterwards (kvm_smoke_test()).  On a
 * failure, or a stop signal that came meanwhile, the originals are loaded
 * again.  An exit status: 0 loaded; 1 failed (originals back, or the
 * journal left for --restore); 3 nothing changed; 128 + signal when stopped.
 */
int kvm_swap_load(const char *dir, const char *variant);

/* A journal of an interrupted swap is there. */
bool kvm_swap_interrupted(void);

/*
 * The original modules back, as the journal names them (without one: no
 * out-of-tree kvm or kvm_amd loaded), checked and smoke-tested; the journal
 * and kvm-loaded.json removed.  An exit status (0; 1 failed; 3 journal
 * unreadable); @quiet: no line on stdout.
 */
int kvm_swap_restore(bool quiet);

/*
 * Creates a VM with one vCPU and runs it to its first exit (a hlt in real
 * mode at 0x1000): 0, or -1 with err (/dev/kvm, an ioctl, another exit).
 */
int kvm_smoke_test(char *err, size_t len);

/*
 * What the last successful swap loaded ({variant, dir, loaded_utc}), while
 * the loaded kvm_amd is still that one; else NULL.  A new reference.
 */
json_t *kvm_swap_loaded_json(void);

/*
 * The kvm_amd loaded, by name: what the last swap loaded (while it is what
 * is loaded, in @buf), "stock" for the host's own modules (no out-of-tree
 * O or E taint), NULL for a build kvm swap did not load.
 */
const char *kvm_swap_loaded_variant(char *buf, size_t len);

#endif
