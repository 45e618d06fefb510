/* airlock profile show NAME | check FILE | list */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plan.h"
#include "cli.h"

int cli_profile(int argc, char **argv)
{
	struct al_profile p;
	struct al_error err = {0};
	char buf[640];

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; al_profile_names[i]; i++) {
			if (al_profile_load(al_profile_names[i], &p, &err) < 0)
				return 1;
			printf("%-12s %s\n", p.name, p.description ? p.description : "");
			al_profile_free(&p);
		}
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "show") == 0) {
		size_t len;
		const char *text = al_profile_builtin(argv[2], &len);
		if (text) {
			fwrite(text, 1, len, stdout);
			return 0;
		}
		/* A file: print it as airlock understood it. */
		if (al_profile_load(argv[2], &p, &err) < 0) {
			fprintf(stderr, "airlock: %s\n", al_error_text(&err, buf, sizeof(buf)));
			return 1;
		}
		char *s = al_profile_dump(&p);
		puts(s ? s : "");
		free(s);
		al_profile_free(&p);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "check") == 0) {
		if (al_profile_load(argv[2], &p, &err) < 0) {
			fprintf(stderr, "airlock: %s\n", al_error_text(&err, buf, sizeof(buf)));
			return 1;
		}
		printf("%s: ok (profile '%s', %zu binds, %zu variables)\n", argv[2], p.name, p.nbinds,
		       p.nenv);
		al_profile_free(&p);
		return 0;
	}
	fputs("usage: airlock profile show NAME|FILE | check FILE | list\n", stderr);
	return 2;
}
