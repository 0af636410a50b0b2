# host/report: paper tables (`irqlbench report --tables`, md/latex) and the
# paper's figures and tables (`irqlbench report --paper DIR`, `make paper`).
REPORT_SRCS := host/report/cmd_report.c host/report/paper.c
HOST_SRCS += $(REPORT_SRCS)
HOST_LIBS += -lsqlite3 -ljansson -lm
