# host/report: paper tables (`irqlbench report --tables`, md/latex).
REPORT_SRCS := host/report/cmd_report.c
HOST_SRCS += $(REPORT_SRCS)
HOST_LIBS += -lsqlite3 -ljansson -lm
