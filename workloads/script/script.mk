# workloads/script/script.mk - the scenario-script parser and interpreter.
#
# Defines SCN_SRCS only; the fragments that build something add it:
#   guest:  GUEST_SRCS += $(SCN_SRCS)            (workloads/workloads.mk)
#   model:  add $(SCN_SRCS) to the model's sources (host/model)
#   tests:  tests/scn.mk (unit test, fuzz target)
# scn.c needs klib only; scn_run.c needs nt.h, platform.h and stats.h.
SCN_SRCS := workloads/script/scn.c workloads/script/scn_run.c
