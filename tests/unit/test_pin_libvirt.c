// SPDX-License-Identifier: MIT
/*
 * test_pin_libvirt.c - the libvirt launcher without a libvirtd:
 *  - the domain XML, parsed back with libxml2: type, vCPUs, <cputune>,
 *    direct kernel boot, escaping, serial file, isa-debug-exit, no reboot;
 *  - pinning and its read-back through the API against test:///default
 *    (which has CPUs 0,2,4 online, and whose domains never stop: the run
 *    ends by the launcher's timeout, status 4);
 *  - the errors: a CPU outside the host, libvirtd unreachable, an image the
 *    QEMU user cannot read.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "check.h"
#include "libvirt/lv.h"

static char tmpdir[128], kernel[PATH_MAX];

static xmlDocPtr doc;
static xmlXPathContextPtr xp;

static char *xpath_str(const char *expr)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, xp);
	char *s = NULL;

	if (o) {
		xmlChar *v = xmlXPathCastToString(o);

		s = strdup((const char *)v);
		xmlFree(v);
		xmlXPathFreeObject(o);
	}
	return s;
}

#define CHECK_XPATH(expr, want) do {					\
	char *_s = xpath_str(expr);					\
	CHECK_STR(_s, want);						\
	free(_s);							\
} while (0)

static void plan_2_4(struct pin_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->nvcpus = 2;
	p->vcpu_pu[0] = 2;
	p->vcpu_pu[1] = 4;
	CPU_ZERO(&p->emulator);
	CPU_SET(0, &p->emulator);
}

static void test_xml(void)
{
	struct pin_plan plan;
	struct lv_launch_req req = {
		.kernel = "/srv/guest image.elf",
		.initrd = "/srv/script.irql",
		.cmdline = "workload=script iterations=10 note=<a&b> q='x'",
		.vcpus = 2,
		.memory_mib = 48,
		.serial_log = "/tmp/run 1/serial.log",
		.cpu_model = "EPYC",
		.plan = &plan,
	};
	char *xml;

	plan_2_4(&plan);
	CPU_SET(1, &plan.emulator);
	xml = lv_domain_xml(&req, "qemu", "irqlbench-test-1");
	CHECK(xml != NULL);
	if (!xml)
		return;
	doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL, XML_PARSE_NONET);
	CHECK(doc != NULL);
	if (!doc) {
		printf("%s", xml);
		free(xml);
		return;
	}
	xp = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(xp, (const xmlChar *)"qemu",
			   (const xmlChar *)"http://libvirt.org/schemas/domain/qemu/1.0");
	CHECK_XPATH("string(/domain/@type)", "qemu");
	CHECK_XPATH("string(/domain/name)", "irqlbench-test-1");
	CHECK_XPATH("string(/domain/memory)", "48");
	CHECK_XPATH("string(/domain/memory/@unit)", "MiB");
	CHECK_XPATH("string(/domain/vcpu)", "2");
	CHECK_XPATH("string(count(/domain/cputune/vcpupin))", "2");
	CHECK_XPATH("string(/domain/cputune/vcpupin[@vcpu='0']/@cpuset)", "2");
	CHECK_XPATH("string(/domain/cputune/vcpupin[@vcpu='1']/@cpuset)", "4");
	CHECK_XPATH("string(/domain/cputune/emulatorpin/@cpuset)", "0,1");
	CHECK_XPATH("string(/domain/os/type)", "hvm");
	CHECK_XPATH("string(/domain/os/type/@machine)", "pc");
	CHECK_XPATH("string(/domain/os/kernel)", "/srv/guest image.elf");
	CHECK_XPATH("string(/domain/os/initrd)", "/srv/script.irql");
	/* the command line survives the XML escaping byte for byte */
	CHECK_XPATH("string(/domain/os/cmdline)", "workload=script iterations=10 note=<a&b> q='x'");
	CHECK_XPATH("string(/domain/cpu/model)", "EPYC");
	CHECK_XPATH("string(/domain/on_reboot)", "destroy");
	CHECK_XPATH("string(/domain/on_crash)", "destroy");
	CHECK_XPATH("string(/domain/devices/serial/@type)", "file");
	CHECK_XPATH("string(/domain/devices/serial/source/@path)", "/tmp/run 1/serial.log");
	CHECK_XPATH("string(/domain/devices/memballoon/@model)", "none");
	CHECK_XPATH("string(count(/domain/qemu:commandline/qemu:arg))", "2");
	CHECK_XPATH("string(/domain/qemu:commandline/qemu:arg[1]/@value)", "-device");
	CHECK_XPATH("string(/domain/qemu:commandline/qemu:arg[2]/@value)",
		    "isa-debug-exit,iobase=0xf4,iosize=4");
	xmlXPathFreeContext(xp);
	xmlFreeDoc(doc);
	free(xml);

	/* unpinned, kvm, no initrd, host CPU */
	req.plan = NULL;
	req.initrd = NULL;
	req.cpu_model = "host-passthrough";
	xml = lv_domain_xml(&req, "kvm", "n");
	CHECK(xml && strstr(xml, "<domain type='kvm'"));
	CHECK(xml && !strstr(xml, "<cputune>") && !strstr(xml, "<initrd>"));
	CHECK(xml && strstr(xml, "<cpu mode='host-passthrough'/>"));
	CHECK(xml && strstr(xml, "<clock offset='utc'/>") && !strstr(xml, "tickpolicy"));
	free(xml);
	/* run --pit-reinject off under libvirt: the PIT drops lost ticks */
	req.pit_discard = true;
	xml = lv_domain_xml(&req, "kvm", "n");
	CHECK(xml && strstr(xml, "<clock offset='utc'>\n    <timer name='pit' tickpolicy='discard'/>\n  </clock>"));
	free(xml);
}

static void test_test_driver(void)
{
	struct pin_plan plan;
	struct lv_launch_result res;
	char serial[256], err[512];
	struct lv_launch_req req = {
		.uri = "test:///default",
		.virt_type = "test",
		.kernel = kernel,
		.cmdline = "workload=irql-churn",
		.vcpus = 2,
		.plan = &plan,
		.timeout_ms = 300,
	};
	int rc;

	snprintf(serial, sizeof(serial), "%s/serial.log", tmpdir);
	req.serial_log = serial;
	plan_2_4(&plan);
	rc = lv_launch(&req, &res, err, sizeof(err));
	/* test:/// domains run for ever: the launcher's timeout ends it */
	CHECK_EQ_U64(rc, 4);
	CHECK(strstr(err, "did not finish within 0.3 s under libvirt") != NULL);
	CHECK_STR(res.end_detail, "timeout");
	CHECK_STR(res.virt_type, "test");
	/* the pinning read back through virDomainGetVcpuPinInfo/GetEmulatorPinInfo */
	CHECK(pin_affinity_matches(&plan, &res.pinning, err, sizeof(err)));
	if (!pin_affinity_matches(&plan, &res.pinning, err, sizeof(err)))
		printf("read back: %s\n", err);
	CHECK(res.t_run_s >= 0.29);
	CHECK(strstr(res.libvirt_version, ".") != NULL);
	lv_result_free(&res);

	/* a CPU the test host does not have online (it has 0,2,4) */
	plan.vcpu_pu[1] = 3;
	rc = lv_launch(&req, &res, err, sizeof(err));
	CHECK_EQ_U64(rc, 2);
	CHECK_STR(err, "the pinning asks for CPU 3 but the host behind test:///default has CPUs 0,2,4 online (pinning 0,2,3): plan for that host (irqlbench pin) or fix --cpus");
	lv_result_free(&res);

	/* plan and vCPU count disagree */
	plan_2_4(&plan);
	req.vcpus = 3;
	CHECK_EQ_U64(lv_launch(&req, &res, err, sizeof(err)), 2);
	CHECK_STR(err, "libvirt launch: 3 vCPUs but the plan is for 2");
	lv_result_free(&res);
}

static void test_unreachable(void)
{
	struct lv_launch_result res;
	char serial[256], err[768];
	struct lv_launch_req req = {
		.uri = "qemu+unix:///system?socket=/nonexistent/libvirt-sock",
		.kernel = kernel,
		.vcpus = 1,
		.timeout_ms = 1000,
	};

	snprintf(serial, sizeof(serial), "%s/serial.log", tmpdir);
	req.serial_log = serial;
	CHECK_EQ_U64(lv_launch(&req, &res, err, sizeof(err)), 3);
	CHECK(strstr(err, "cannot connect to libvirt at qemu+unix:///system?socket=/nonexistent/libvirt-sock") != NULL);
	CHECK(strstr(err, "start libvirtd (systemctl start libvirtd, or host/libvirt/start-libvirtd.sh start)") != NULL);
	printf("unreachable: %s\n", err);
	lv_result_free(&res);

	req.kernel = "relative.elf";
	CHECK_EQ_U64(lv_launch(&req, &res, err, sizeof(err)), 2);
	CHECK(strstr(err, "must be an absolute path") != NULL);
	req.kernel = "/nonexistent/guest.elf";
	CHECK_EQ_U64(lv_launch(&req, &res, err, sizeof(err)), 3);
	CHECK_STR(err, "guest image /nonexistent/guest.elf: No such file or directory (build it with make)");
}

static void test_readable(void)
{
	char dir[160], file[200], err[512], want[1200];
	const char *user = "nobody";
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/private", tmpdir);
	snprintf(file, sizeof(file), "%s/guest.elf", dir);
	CHECK(mkdir(dir, 0755) == 0);
	f = fopen(file, "w");
	if (f)
		fclose(f);
	chmod(tmpdir, 0755);
	chmod(file, 0644);
	CHECK(lv_check_readable_by(file, user, err, sizeof(err)) == 0);

	chmod(file, 0600);
	CHECK(lv_check_readable_by(file, user, err, sizeof(err)) == -1);
	snprintf(want, sizeof(want), "%s is not readable by the QEMU user nobody (mode 0600 owner %d); fix: chmod o+r %s",
		 file, (int)getuid(), file);
	CHECK_STR(err, want);

	chmod(file, 0644);
	chmod(dir, 0700);
	CHECK(lv_check_readable_by(file, user, err, sizeof(err)) == -1);
	snprintf(want, sizeof(want), "%s is not readable by the QEMU user nobody: directory %s is mode 0700 owner %d; fix: chmod o+x %s (or put the image under /var/lib/libvirt/images)",
		 file, dir, (int)getuid(), dir);
	CHECK_STR(err, want);
	printf("unreadable: %s\n", err);

	CHECK(lv_check_readable_by(file, "no-such-user-xyz", err, sizeof(err)) == -1);
	CHECK(strstr(err, "the QEMU user no-such-user-xyz does not exist") != NULL);
	chmod(dir, 0755);
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	const char *b = getenv("BUILD");
	char path[PATH_MAX], user[64];

	snprintf(path, sizeof(path), "%s/fixtures/mbexit.elf", b && *b ? b : "build");
	if (!realpath(path, kernel)) {
		printf("SKIP: %s not built (make unit-tests builds it)\n", path);
		return 77;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/irqlbench-test-lv.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	CHECK_STR(lv_qemu_user(user, sizeof(user)), "libvirt-qemu");
	test_xml();
	test_test_driver();
	test_unreachable();
	test_readable();
	unlink(strcat(strcpy(path, tmpdir), "/serial.log"));
	rmdir(tmpdir);
	xmlCleanupParser();
	return check_done("test_pin_libvirt");
}
