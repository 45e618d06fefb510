/* Built only from the installed header and library (pkg-config airlock):
 * runs one sandbox and checks its output and report. */
#include <airlock.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char out[64];

static void on_event(void *user, const struct al_event *ev)
{
	(void)user;
	if (ev->kind == AL_EV_OUTPUT && ev->len < sizeof(out) - strlen(out))
		strncat(out, ev->data, ev->len);
}

int main(int argc, char **argv)
{
	al_ctx *ctx;
	al_config *cfg;
	al_sandbox *sb;
	al_error err = {0};
	const char *cmd[] = {"/bin/echo", "installed", NULL};

	if (al_ctx_new(&ctx, &err) < 0 || al_config_new(ctx, "default", &cfg, &err) < 0 ||
	    (argc > 1 && al_config_set(cfg, "allow-degraded", NULL, &err) < 0) ||
	    al_config_set_argv(cfg, cmd, &err) < 0 ||
	    al_sandbox_start(ctx, cfg, on_event, NULL, &sb, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	struct pollfd p = {.fd = al_sandbox_fd(sb), .events = POLLIN};
	while (al_sandbox_handle(sb) != 1)
		poll(&p, 1, -1);
	char *report = al_sandbox_report(sb);
	int ok = strcmp(out, "installed\n") == 0 && strcmp(al_sandbox_status(sb), "exited") == 0 && report &&
		 strstr(report, "\"status\": \"exited\"");
	printf("%s %s", al_version(), out);
	free(report);
	al_sandbox_free(sb);
	al_config_free(cfg);
	al_ctx_free(ctx);
	return ok ? 0 : 1;
}
