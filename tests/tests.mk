# tests/tests.mk - the tests area's fragment of the top Makefile.
#
# It includes every other tests/*.mk fragment, so that an area adds its unit
# tests (UNIT_TESTS += name, test_<name>_SRCS, test_<name>_LIBS) and its
# integration scripts (INTEGRATION_TESTS += tests/...) by dropping a file
# tests/<area>.mk, without editing this one or the top Makefile.
-include $(filter-out tests/tests.mk,$(wildcard tests/*.mk))
