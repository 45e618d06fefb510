/* The airlock command's verbs; each returns the process exit status. */
#ifndef AIRLOCK_CLI_H
#define AIRLOCK_CLI_H

int cli_run(int argc, char **argv);
int cli_learn(int argc, char **argv);
int cli_profile(int argc, char **argv);
int cli_scan(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_mcp(int argc, char **argv);
/* Called as airlock-oci (argv[0]): runc's command line (src/cli/oci.c). */
int cli_oci(int argc, char **argv);
/* Linked only where libmicrohttpd is (see main.c): weak, so that a binary
 * without the service can tell. */
int cli_serve(int argc, char **argv) __attribute__((weak));

/* Exit status when airlock itself could not set the sandbox up. */
enum { EXIT_SETUP = 125 };

#endif
