/* libFuzzer target: an OCI bundle's config.json (src/oci/spec.c), a
 * process.json for exec, a resources object for update. Whatever is accepted must be freed cleanly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_spec s;
	struct oci_process p;
	struct al_error err;
	char path[256];

	if (oci_spec_parse((const char *)data, size, &s, &err) == 0) {
		if (!s.process.args || !s.process.args[0] || !s.root_path || !s.process.cwd)
			abort();
		if (s.cgroups_path)
			oci_systemd_path(s.cgroups_path, path, sizeof(path));
		oci_spec_free(&s);
	}
	if (oci_process_parse((const char *)data, size, &p, &err) == 0)
		oci_process_free(&p);
	struct oci_resources r;
	if (oci_resources_parse((const char *)data, size, &r, &err) == 0)
		oci_resources_free(&r);
	return 0;
}
