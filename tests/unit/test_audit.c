/* The audit log's writer and verifier (src/audit/audit.c), in a scratch
 * directory: chain, checkpoints every N records, rotation, the key's mode,
 * crash sealing, and the verifier against edits. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "unit.h"

static char dir[] = "/tmp/airlock-unit-audit.XXXXXX";
static char key[128], pub[160], logp[128];

/* Verify the lines of these files in order: 0 good (sealed), -1 bad line
 * (*bad_line set), 1 an unsealed tail. */
static int verify_files(const char *const *files, const unsigned char *pk, unsigned long *bad_line,
			struct audit_verify *v)
{
	audit_verify_init(v, pk);
	for (; *files; files++) {
		FILE *f = fopen(*files, "r");
		if (!f)
			return -2;
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		unsigned long no = 0;
		while ((n = getline(&line, &cap, f)) > 0) {
			no++;
			if (line[n - 1] == '\n')
				line[--n] = '\0';
			if (audit_verify_line(v, line, (size_t)n, *files, no) < 0) {
				*bad_line = no;
				free(line);
				fclose(f);
				return -1;
			}
		}
		free(line);
		fclose(f);
	}
	return v->tail_seq ? 1 : 0;
}

static int verify_one(const char *file, const unsigned char *pk, unsigned long *bad_line)
{
	struct audit_verify v;
	const char *files[] = {file, NULL};
	return verify_files(files, pk, bad_line, &v);
}

static int count_lines(const char *file)
{
	FILE *f = fopen(file, "r");
	int n = 0, c;
	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

int main(void)
{
	struct al_error err = {0};
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], pk2[crypto_sign_PUBLICKEYBYTES];
	unsigned long bad = 0;
	char cmd[512], key2[160], pub2[176];

	if (!mkdtemp(dir))
		return 1;
	snprintf(key, sizeof(key), "%s/key", dir);
	snprintf(pub, sizeof(pub), "%s/key.pub", dir);
	snprintf(logp, sizeof(logp), "%s/log", dir);
	snprintf(key2, sizeof(key2), "%s/key2", dir);
	snprintf(pub2, sizeof(pub2), "%s/key2.pub", dir);

	CHECK("audit: keygen", audit_keygen(key, &err) == 0 && audit_keygen(key2, &err) == 0);
	struct stat st;
	CHECK("audit: the secret key is 0600", stat(key, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK("audit: keygen refuses to overwrite", audit_keygen(key, &err) < 0);
	CHECK("audit: the public key loads", audit_load_public(pub, pk, &err) == 0);
	CHECK("audit: a secret key is not a public key", audit_load_public(key, pk2, &err) < 0);
	audit_load_public(pub2, pk2, &err);

	/* Seven records, a checkpoint every three: 3 + cp + 3 + cp + 1 + shutdown cp. */
	struct audit *a = NULL;
	struct audit_options o = {.path = logp, .key = key, .checkpoint_records = 3, .who = "unit"};
	CHECK("audit: open", audit_open(&a, &o, &err) == 0);
	for (int i = 0; i < 7; i++)
		audit_record(a, "test", json_pack("{s:i,s:s}", "i", i, "tenant", "t1"), &err);
	CHECK("audit: the timer is due only with unsealed records", audit_timeout_ms(a) > 0);
	audit_close(a);
	CHECK("audit: 7 records and 3 checkpoints", count_lines(logp) == 10);
	CHECK("audit: the log verifies", verify_one(logp, pk, &bad) == 0);
	CHECK("audit: not with another key", verify_one(logp, pk2, &bad) == -1 && bad == 4);

	/* Reopen and continue: seq 11 links to seq 10. */
	CHECK("audit: reopen", audit_open(&a, &o, &err) == 0);
	audit_record(a, "test", NULL, &err);
	audit_close(a);
	CHECK("audit: the chain continues across opens",
	      verify_one(logp, pk, &bad) == 0 && count_lines(logp) == 12);

	/* An edit of line 2 is found at line 3. */
	snprintf(cmd, sizeof(cmd), "sed -i '2s/\"i\":1/\"i\":9/' %s", logp);
	CHECK("audit: an edited record breaks the chain",
	      system(cmd) == 0 && verify_one(logp, pk, &bad) == -1 && bad == 3);

	/* The key's mode. */
	chmod(key, 0640);
	char log2[160];
	snprintf(log2, sizeof(log2), "%s/log2", dir);
	o.path = log2;
	CHECK("audit: a group-readable key is refused",
	      audit_open(&a, &o, &err) < 0 && strstr(err.msg, "chmod 600") != NULL);
	chmod(key, 0600);

	/* Rotation: small files, each one's first record links to the last of the one before. */
	char log3[160];
	snprintf(log3, sizeof(log3), "%s/rot", dir);
	struct audit_options ro = {.path = log3, .key = key, .checkpoint_records = 1000, .max_size = 1500};
	CHECK("audit: open for rotation", audit_open(&a, &ro, &err) == 0);
	for (int i = 0; i < 30; i++)
		audit_record(a, "test",
			     json_pack("{s:i,s:s}", "i", i, "pad", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
			     &err);
	audit_close(a);
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	const char *files[64];
	char paths[64][256];
	int nf = 0;
	for (int i = 0; i < n; i++) {
		if (strncmp(names[i]->d_name, "rot.", 4) == 0 && nf < 62) {
			snprintf(paths[nf], sizeof(paths[nf]), "%s/%s", dir, names[i]->d_name);
			files[nf] = paths[nf];
			nf++;
		}
		free(names[i]);
	}
	free(names);
	files[nf] = log3;
	files[nf + 1] = NULL;
	struct audit_verify v;
	CHECK("audit: rotated into several files", nf >= 2);
	CHECK("audit: the rotated files verify in order",
	      verify_files(files, pk, &bad, &v) == 0 && v.records == 30);
	if (nf >= 2) {
		const char *tmp = files[0];
		files[0] = files[1];
		files[1] = tmp;
		CHECK("audit: not out of order", verify_files(files, pk, &bad, &v) == -1);
	}

	/* A stop between a rotation's rename and the new file's first record:
	 * the empty new file continues the newest rotated one. */
	char log5[160], log5r[192];
	snprintf(log5, sizeof(log5), "%s/gap", dir);
	snprintf(log5r, sizeof(log5r), "%s/gap.000000000003", dir);
	struct audit_options go = {.path = log5, .key = key};
	audit_open(&a, &go, &err);
	audit_record(a, "test", NULL, &err);
	audit_record(a, "test", NULL, &err);
	audit_close(a);
	CHECK("audit: a rotated file", rename(log5, log5r) == 0 && audit_open(&a, &go, &err) == 0);
	audit_record(a, "test", NULL, &err);
	audit_close(a);
	const char *gap[] = {log5r, log5, NULL};
	CHECK("audit: an empty new file continues the rotated one",
	      verify_files(gap, pk, &bad, &v) == 0 && v.seq == 5);

	/* A crash: records after the last checkpoint; the next open seals them. */
	char log4[160];
	snprintf(log4, sizeof(log4), "%s/crash", dir);
	struct audit_options co = {.path = log4, .key = key, .checkpoint_records = 1000};
	audit_open(&a, &co, &err);
	audit_record(a, "test", NULL, &err);
	audit_record(a, "test", NULL, &err);
	audit_close(a);
	snprintf(cmd, sizeof(cmd), "sed -i '$d' %s", log4); /* the shutdown checkpoint never came */
	CHECK("audit: a crash leaves an unsealed tail", system(cmd) == 0 && verify_one(log4, pk, &bad) == 1);
	CHECK("audit: reopened after a crash", audit_open(&a, &co, &err) == 0);
	audit_close(a);
	CHECK("audit: the crash tail is sealed", verify_one(log4, pk, &bad) == 0 && count_lines(log4) == 3);

	/* The verifier on hostile lines. */
	audit_verify_init(&v, pk);
	CHECK("audit: an empty line", audit_verify_line(&v, "", 0, "x", 1) < 0);
	CHECK("audit: an array", audit_verify_line(&v, "[1]", 3, "x", 1) < 0);
	const char *dup = "{\"seq\":1,\"seq\":1,\"time\":\"t\",\"action\":\"a\",\"prev\":\"00\"}";
	CHECK("audit: duplicate keys", audit_verify_line(&v, dup, strlen(dup), "x", 1) < 0);
	const char *sig = "{\"seq\":1,\"time\":\"t\",\"action\":\"checkpoint\",\"key_id\":\"x\",\"prev\":"
			  "\"0000000000000000000000000000000000000000000000000000000000000000\"}";
	CHECK("audit: a checkpoint without a signature", audit_verify_line(&v, sig, strlen(sig), "x", 1) < 0);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return unit_failures ? 1 : 0;
}
