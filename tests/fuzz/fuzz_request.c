/* libFuzzer target: the service's request decoders (src/service/request.c)
 * and its config parser (src/service/tenants.c), on untrusted bytes. The
 * first byte picks the decoder: 'e' execute, 'c' a session's command,
 * 's' a session, 'r' restore, 'n' an empty body, 't' the config. What is
 * refused names a field in its message; what is accepted holds the
 * decoder's promises (argv ends in NULL, paths pass req_check_path, env is
 * NAME=VALUE, a rule holds no comma). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/request.h"
#include "service/tenants.h"

static void refused(const struct req_error *err)
{
	if ((err->status != 400 && err->status != 413) || !err->detail[0])
		abort();
	if (err->field[0] && strncmp(err->detail, err->field, strlen(err->field)) != 0)
		abort();
}

static void check_strv(char **v, size_t n, char must, const char *never)
{
	for (size_t i = 0; i < n; i++)
		if (!v || !v[i] || (must && !strchr(v[i], must)) || (never && strpbrk(v[i], never)))
			abort();
	if (v && v[n])
		abort();
}

static void check_network(const struct req_network *net)
{
	if (net->set)
		check_strv(net->allow, net->n, 0, ", \t\r\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req_error err = {0};
	const char *body = (const char *)data + 1;

	if (size == 0)
		return 0;
	size--;
	switch (data[0]) {
	case 'e':
	case 'c': {
		struct req_run r;
		if (req_decode_run(body, size, data[0] == 'e' ? REQ_EXECUTE : REQ_COMMAND, &r, &err) < 0) {
			refused(&err);
			break;
		}
		if (!r.argv || !r.argv[0] || !r.argv[0][0] || r.argv[r.argc])
			abort();
		check_strv(r.env, r.nenv, '=', NULL);
		check_network(&r.network);
		for (size_t i = 0; i < r.nfiles; i++)
			if (req_check_path(r.files[i].path, "p", NULL) < 0 || r.files[i].mode > 0777)
				abort();
		for (size_t i = 0; i < r.nartifacts; i++)
			if (req_check_path(r.artifacts[i], "a", NULL) < 0 || r.artifacts[i][0] == '/')
				abort();
		if (data[0] == 'c' && (r.profile || r.network.set))
			abort();
		req_run_free(&r);
		break;
	}
	case 's': {
		struct req_session s;
		if (req_decode_session(body, size, &s, &err) < 0) {
			refused(&err);
			break;
		}
		check_strv(s.env, s.nenv, '=', NULL);
		check_network(&s.network);
		if (s.ttl < 0 || s.idle_timeout < 0)
			abort();
		req_session_free(&s);
		break;
	}
	case 'r': {
		char id[REQ_MAX_NAME + 1];
		if (req_decode_restore(body, size, id, sizeof(id), &err) < 0)
			refused(&err);
		break;
	}
	case 'x':
		if (req_decode_context(body, size, &err) < 0)
			refused(&err);
		break;
	case 'y': {
		char *code;
		double timeout;
		if (req_decode_context_run(body, size, &code, &timeout, &err) < 0) {
			refused(&err);
			break;
		}
		if (!code || timeout < 0 || timeout > 86400)
			abort();
		free(code);
		break;
	}
	case 'n':
		if (req_decode_empty(body, size, &err) < 0)
			refused(&err);
		break;
	case 't': {
		struct tenants *ts;
		if (tenants_parse(body, size, &ts, &err) < 0) {
			refused(&err);
			break;
		}
		for (size_t i = 0; i < ts->n; i++)
			if (!ts->t[i].name[0] || (!ts->t[i].has_token && !ts->t[i].nuids))
				abort();
		(void)tenants_by_token(ts, "token");
		tenants_free(ts);
		break;
	}
	}
	return 0;
}
