# tests/fleet.mk - the fleet's test (fleet/verify.yml, docs/fleet.md): two
# hosts in network namespaces, the playbook over ssh, their stores merged.
INTEGRATION_TESTS += tests/integration/fleet-ansible.sh
