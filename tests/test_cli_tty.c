/*
 * tfy-batches on a terminal, through a pseudo-terminal: the table fits the
 * width (COLUMNS, else the terminal's own), colour follows NO_COLOR and
 * TERM, and with --all every row aligns across pages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <pty.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rawserver.h"
#include "testutil.h"

#define KEY "tfy-local-key"

typedef struct fixture {
	tu_gateway gw;
	char url[160]; /* base URL on /v1 */
} fixture;

static int setup(void **state)
{
	static const char *const args[] = { "--count", "250", NULL };
	fixture *f = tu_gateway_state(state, sizeof(*f), args);
	if (!f)
		return -1;
	snprintf(f->url, sizeof(f->url), "%s/v1", f->gw.base);
	return 0;
}

/*
 * Runs tfy-batches on a pseudo-terminal of ws_cols columns with base URL url,
 * TERM=xterm and the "NAME=value" entries of env (NULL-terminated; a bare
 * "NAME" unsets NAME); stderr goes to /dev/null unless keep_stderr.  Returns
 * what the terminal showed, with the CR of each line end removed (a CR
 * inside a line, of a line rewritten in place, stays); the exit status goes
 * to *exit_status.
 */
static char *pty_run_status(const char *url, unsigned short ws_cols, const char *const *env,
                            const char *const *args, int keep_stderr, int *exit_status)
{
	const char *argv[40] = { getenv("TFY_BATCHES") };
	size_t argc = 1;
	for (size_t i = 0; args[i] && argc < 39; i++)
		argv[argc++] = args[i];
	assert_non_null(argv[0]);
	struct winsize ws = { 24, ws_cols, 0, 0 };
	int master;
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (!keep_stderr)
			dup2(devnull, STDERR_FILENO);
		unsetenv("TFY_BASE_URL");
		unsetenv("TFY_API_KEY");
		unsetenv("COLUMNS");
		unsetenv("NO_COLOR");
		setenv("TERM", "xterm", 1);
		setenv("OPENAI_BASE_URL", url, 1);
		setenv("OPENAI_API_KEY", KEY, 1);
		for (size_t i = 0; env && env[i]; i++) {
			const char *eq = strchr(env[i], '=');
			if (!eq) {
				unsetenv(env[i]);
				continue;
			}
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)(eq - env[i]), env[i]);
			setenv(name, eq + 1, 1);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	size_t len = 0, cap = 65536;
	char *out = malloc(cap);
	assert_non_null(out);
	for (;;) {
		if (cap - len < 4096) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		ssize_t n = read(master, out + len, cap - len - 1);
		if (n <= 0)
			break; /* EIO once the child is gone */
		len += (size_t)n;
	}
	close(master);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	*exit_status = WEXITSTATUS(status);
	size_t w = 0;
	for (size_t i = 0; i < len; i++)
		if (out[i] != '\r' || (i + 1 < len && out[i + 1] != '\n'))
			out[w++] = out[i];
	out[w] = '\0';
	return out;
}

/* pty_run_status() of a run that must succeed. */
static char *pty_run(const char *url, unsigned short ws_cols, const char *const *env,
                     const char *const *args)
{
	int status;
	char *out = pty_run_status(url, ws_cols, env, args, 0, &status);
	assert_int_equal(status, 0);
	return out;
}

/* s without its ANSI colour codes (ESC [ ... m), in a new string. */
static char *strip_sgr(const char *s)
{
	char *out = malloc(strlen(s) + 1), *w = out;
	assert_non_null(out);
	while (*s) {
		if (s[0] == '\033' && s[1] == '[') {
			s += strcspn(s, "m") + (s[strcspn(s, "m")] ? 1 : 0);
			continue;
		}
		*w++ = *s++;
	}
	*w = '\0';
	return out;
}

/*
 * The widest line of s as a terminal shows it, in columns: escape sequences
 * (ESC [ ... letter) take none, a line rewritten in place ("\r") counts from
 * its last CR, and a UTF-8 character is one column.  A line that is one id
 * alone (no blank but those that indent it), never cut, is not counted.
 * The line goes to *where when it is wider than max.
 */
static size_t widest_shown_line(const char *s, size_t max, char *where, size_t size)
{
	size_t widest = 0;
	for (const char *eol; *s; s = eol + (*eol != '\0')) {
		eol = s + strcspn(s, "\n");
		size_t cols = 0;
		const char *start = s;
		for (const char *p = s; p < eol; p++) {
			if (*p == '\r') {
				cols = 0;
				start = p + 1;
			} else if (*p == '\033' && p[1] == '[') {
				p += 2;
				while (p < eol &&
				       !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
					p++;
			} else if (((unsigned char)*p & 0xc0) != 0x80) {
				cols++;
			}
		}
		const char *token = start + strspn(start, " ");
		if (!memchr(token, ' ', (size_t)(eol - token)) &&
		    !memchr(token, '\033', (size_t)(eol - token)))
			continue;
		if (cols > widest)
			widest = cols;
		if (cols > max && where)
			snprintf(where, size, "%.*s", (int)(eol - start), start);
	}
	return widest;
}

/* Every line of what the terminal showed fits width columns. */
static void assert_fits(const char *shown, size_t width)
{
	char line[4096] = "";
	size_t widest = widest_shown_line(shown, width, line, sizeof(line));
	if (widest > width)
		fail_msg("a line of %zu columns on a terminal of %zu:\n%s\nin:\n%s", widest, width,
		         line, shown);
}

/* The widest line of the table (the "more available" line excluded), in columns (ASCII). */
static size_t widest_table_line(const char *s)
{
	size_t widest = 0;
	for (const char *eol; (eol = strchr(s, '\n')); s = eol + 1) {
		if (strstr(s, "more available") && strstr(s, "more available") < eol)
			continue;
		if ((size_t)(eol - s) > widest)
			widest = (size_t)(eol - s);
	}
	return widest;
}

/* The ids of the first page of 5 (OpenAI's, 38 columns), from ndjson. */
static json_t *page_ids(const fixture *f)
{
	const char *argv[] = { getenv("TFY_BATCHES"), "--limit", "5", "--format", "ndjson", NULL };
	char env_url[200];
	snprintf(env_url, sizeof(env_url), "OPENAI_BASE_URL=%s", f->url);
	const char *env[] = { env_url, "OPENAI_API_KEY=" KEY, NULL };
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	assert_int_equal(r.status, 0);
	json_t *ids = json_array();
	char *save = NULL;
	for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t jerr;
		json_t *b = json_loads(line, 0, &jerr);
		assert_non_null(b);
		json_array_append(ids, json_object_get(b, "id"));
		json_decref(b);
	}
	tu_run_free(&r);
	assert_int_equal(json_array_size(ids), 5);
	return ids;
}

/*
 * At 60, 80 and 200 columns the table fits, every id whole; at 200 nothing
 * is dropped.  COLUMNS and the terminal's own width give the same table.
 */
static void test_table_fits_the_terminal(void **state)
{
	fixture *f = *state;
	json_t *ids = page_ids(f);
	const char *const args[] = { "--limit", "5", NULL };
	const unsigned short widths[] = { 60, 80, 200 };
	for (size_t k = 0; k < 3; k++) {
		char *shown = pty_run(f->url, widths[k], NULL, args);
		char *plain = strip_sgr(shown);
		print_message("%u columns:\n%s", widths[k], plain);
		assert_true(widest_table_line(plain) <= widths[k]);
		size_t i;
		json_t *id;
		json_array_foreach(ids, i, id)
			assert_non_null(strstr(plain, json_string_value(id)));
		assert_non_null(strstr(plain, "STATUS"));
		if (widths[k] == 200) {
			assert_non_null(strstr(plain, "MODEL"));
			assert_non_null(strstr(plain, "/v1/chat/completions"));
		}
		if (widths[k] == 60)
			assert_null(strstr(plain, "MODEL"));

		char cols[32];
		snprintf(cols, sizeof(cols), "COLUMNS=%u", widths[k]);
		char *by_env = pty_run(f->url, 100, (const char *const[]){ cols, NULL }, args);
		assert_string_equal(by_env, shown);
		free(by_env);
		free(plain);
		free(shown);
	}
	json_decref(ids);
}

/* Not a terminal: the full table, as at 200 columns with every column. */
static void test_full_table_off_a_terminal(void **state)
{
	fixture *f = *state;
	const char *argv[] = { getenv("TFY_BATCHES"), "--limit", "20", NULL };
	char env_url[200];
	snprintf(env_url, sizeof(env_url), "OPENAI_BASE_URL=%s", f->url);
	const char *env[] = { env_url, "OPENAI_API_KEY=" KEY, "COLUMNS=40", NULL };
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	assert_int_equal(r.status, 0);
	char *wide = pty_run(f->url, 250, NULL, (const char *const[]){ "--limit", "20", NULL });
	char *plain = strip_sgr(wide);
	assert_string_equal(r.out, plain);
	assert_non_null(strstr(r.out, "ENDPOINT"));
	free(plain);
	free(wide);
	tu_run_free(&r);
}

static void test_colour_rules(void **state)
{
	fixture *f = *state;
	const char *const args[] = { "--limit", "20", NULL };
	char *out = pty_run(f->url, 200, NULL, args);
	assert_non_null(strstr(out, "\033[32mcompleted\033[0m"));
	free(out);
	const char *const *off[] = {
		(const char *const[]){ "NO_COLOR=1", NULL },
		(const char *const[]){ "NO_COLOR=", NULL },
		(const char *const[]){ "TERM=dumb", NULL },
	};
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		out = pty_run(f->url, 200, off[i], args);
		assert_null(strchr(out, '\033'));
		assert_non_null(strstr(out, "completed"));
		free(out);
	}
	out = pty_run(f->url, 200, (const char *const[]){ "TERM", NULL }, args);
	assert_non_null(strstr(out, "\033[32m")); /* TERM unset is not dumb */
	free(out);
}

/* --- --all across pages: a later, longer id --------------------------- */

static const char page1[] =
	"{\"object\":\"list\",\"data\":["
	"{\"id\":\"batch_a1\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\","
	"\"status\":\"completed\",\"created_at\":1714564800,\"model\":\"m1\"},"
	"{\"id\":\"batch_a2\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\","
	"\"status\":\"failed\",\"created_at\":1714564800,\"model\":\"m1\"}],"
	"\"first_id\":\"batch_a1\",\"last_id\":\"batch_a2\",\"has_more\":true}";
static const char page2[] =
	"{\"object\":\"list\",\"data\":["
	"{\"id\":\"batch_b_with_a_much_longer_id_0001\",\"object\":\"batch\","
	"\"endpoint\":\"/v1/embeddings/with/a/longer/endpoint\","
	"\"status\":\"in_progress\",\"created_at\":1714564800,\"model\":\"m2\"},"
	"{\"id\":\"batch_b2\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\","
	"\"status\":\"cancelling\",\"created_at\":1714564800,\"model\":\"m2\"}],"
	"\"first_id\":\"batch_b_with_a_much_longer_id_0001\",\"last_id\":\"batch_b2\","
	"\"has_more\":false}";

/* Page 2 for a request after batch_a2, else page 1. */
static void two_pages(tu_server *s, int fd)
{
	char head[4096];
	if (!tu_read_head_into(fd, head, sizeof(head)))
		return;
	const char *body = strstr(head, "after=batch_a2") ? page2 : page1;
	atomic_fetch_add(&s->requests, 1);
	tu_send_answer(fd, 200, NULL, body, strlen(body));
}

/*
 * Each column of every row starts where its header does; an id wider than
 * its column has the line to itself and its row follows, under the columns.
 */
static void assert_aligned(const char *table, size_t want_rows)
{
	const char *header = table, *eol = strchr(header, '\n');
	assert_non_null(eol);
	const char *names[] = { "STATUS", "CREATED" };
	size_t at[2], rows = 0;
	for (size_t k = 0; k < 2; k++) {
		const char *p = strstr(header, names[k]);
		assert_true(p && p < eol);
		at[k] = (size_t)(p - header);
	}
	int after_lone_id = 0;
	for (const char *s = eol + 1; (eol = strchr(s, '\n')); s = eol + 1) {
		size_t len = (size_t)(eol - s);
		if (!memchr(s, ' ', len)) { /* an id on a line of its own */
			assert_true(len > at[0] - 2);
			after_lone_id = 1;
			continue;
		}
		for (size_t k = 0; k < 2; k++) {
			assert_true(s[at[k] - 1] == ' ' && s[at[k]] != ' ');
		}
		if (after_lone_id)
			assert_true(strspn(s, " ") == at[0]); /* the row under its columns */
		after_lone_id = 0;
		rows++;
	}
	assert_int_equal(rows, want_rows);
}

static void test_all_aligned_across_pages(void **state)
{
	(void)state;
	tu_server c;
	tu_server_start(&c, two_pages, NULL, 0);
	char env_url[96];
	snprintf(env_url, sizeof(env_url), "OPENAI_BASE_URL=%s", c.base);
	const char *argv[] = { getenv("TFY_BATCHES"), "--all", "--limit", "2", NULL };
	const char *env[] = { env_url, "OPENAI_API_KEY=" KEY, NULL };
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	assert_int_equal(r.status, 0);
	print_message("%s", r.out);
	assert_aligned(r.out, 4);
	assert_non_null(strstr(r.out, "\nbatch_b_with_a_much_longer_id_0001\n"));
	assert_non_null(strstr(r.out, "in_progress")); /* a status of the bound is never cut */
	tu_run_free(&r);

	char *shown = pty_run(c.base, 120, (const char *const[]){ "NO_COLOR=1", NULL },
	                      (const char *const[]){ "--all", "--limit", "2", NULL });
	print_message("%s", shown);
	assert_aligned(shown, 4);
	assert_true(widest_table_line(shown) <= 120);
	free(shown);
	tu_server_stop(&c);
}

/* The id of the JSON object a tfy-batches run printed (ndjson). */
static char *printed_id(const char *const *args, const char *url)
{
	const char *argv[16] = { getenv("TFY_BATCHES") };
	size_t n = 1;
	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	char base[200];
	snprintf(base, sizeof(base), "--base-url=%s", url);
	argv[n++] = base;
	argv[n++] = "--format";
	argv[n++] = "ndjson";
	const char *env[] = { "TFY_API_KEY=" KEY, NULL };
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	assert_int_equal(r.status, 0);
	json_error_t jerr;
	json_t *o = json_loads(r.out, 0, &jerr);
	assert_non_null(o);
	char *id = strdup(json_string_value(json_object_get(o, "id")));
	json_decref(o);
	tu_run_free(&r);
	return id;
}

/*
 * wait on a terminal: one progress line on stderr, rewritten in place
 * ("\r" and erase to the end of the line), ending in the final state and a
 * line feed; the batch itself on stdout (here a file).
 */
static void test_wait_progress_line(void **state)
{
	fixture *f = *state;
	const char line[] = "{\"custom_id\":\"one\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
			    "\"body\":{\"model\":\"m\",\"messages\":[]}}\n";
	char *input = tu_write_temp(line, sizeof(line) - 1);
	char *file = printed_id((const char *const[]){ "files", "upload", input, NULL }, f->url);
	char *id = printed_id((const char *const[]){ "create", "--input-file-id", file,
	                                             "--endpoint", "/v1/chat/completions", NULL },
	                      f->url);
	int master;
	struct winsize ws = { 24, 80, 0, 0 };
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, STDOUT_FILENO);
		setenv("TERM", "xterm", 1);
		setenv("TFY_API_KEY", KEY, 1);
		unsetenv("TFY_BASE_URL");
		char base[200];
		snprintf(base, sizeof(base), "--base-url=%s", f->url);
		execl(getenv("TFY_BATCHES"), "tfy-batches", "wait", id, base, (char *)NULL);
		_exit(127);
	}
	char out[65536];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(out) - 1 && (n = read(master, out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(master);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_non_null(strstr(out, "\r\033[K"));
	assert_non_null(strstr(out, "validating"));
	const char *last = strstr(out, "\r\033[Kcompleted  1/0/1  0m");
	assert_non_null(last);
	/* one line: its only line feed ends it (the terminal shows it as CR LF) */
	assert_null(strchr(out, '\n') != strrchr(out, '\n') ? out : NULL);
	assert_non_null(strstr(last, "s\r\n"));

	/* files download on a terminal, without -o: saved under the uploaded name, here. */
	char here[4096], dir[] = "/tmp/tfy-tty-dir-XXXXXX";
	assert_non_null(getcwd(here, sizeof(here)));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	char *shown = pty_run(f->url, 80, NULL,
	                      (const char *const[]){ "files", "download", file, NULL });
	assert_string_equal(shown, "");
	free(shown);
	const char *name = strrchr(input, '/') + 1;
	FILE *saved = fopen(name, "rb");
	assert_non_null(saved);
	char content[256] = "";
	assert_int_equal(fread(content, 1, sizeof(content) - 1, saved), sizeof(line) - 1);
	assert_string_equal(content, line);
	fclose(saved);
	unlink(name);
	assert_int_equal(chdir(here), 0);
	rmdir(dir);
	unlink(input);
	free(input);
	free(id);
	free(file);
}

/* A File object named name (JSON text), whose content is never asked for. */
static void file_named(tu_server *c, const char *name)
{
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"id\":\"file-x\",\"object\":\"file\",\"bytes\":5,\"created_at\":1700000000,"
	         "\"filename\":\"%s\",\"purpose\":\"batch\",\"status\":\"processed\"}",
	         name);
	tu_server_canned(c, 200, "", body);
}

/*
 * files download on a terminal, without -o, refuses the uploaded name when
 * it is not a plain, visible file name here (the uploader chose it): a dot
 * file, ".", "..", a path, a control character, none at all.  Exit 2, -o
 * asked for (the name shown escaped), nothing written in the current
 * directory.
 */
static void test_download_refuses_foreign_names(void **state)
{
	(void)state;
	static const char *const names[] = {
		".bash_profile",
		".npmrc",
		".",
		"..",
		"",
		"../escape",
		"dir/x.jsonl",
		"a\\u001b[2Jb",
		"tab\\tname",
		"del\\u007f",
		"c1\\u009bx",
		"rtl\\u202etxt.exe",
	};
	char here[4096], dir[] = "/tmp/tfy-tty-names-XXXXXX";
	assert_non_null(getcwd(here, sizeof(here)));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		tu_server c;
		file_named(&c, names[i]);
		int status;
		char *shown = pty_run_status(c.base, 80, NULL,
		                             (const char *const[]){ "files", "download", "file-x", NULL },
		                             1, &status);
		if (status != 2)
			print_error("name %s: exit %d\n%s\n", names[i], status, shown);
		assert_int_equal(status, 2);
		assert_non_null(strstr(shown, "-o PATH"));
		assert_null(strchr(shown, '\033'));
		free(shown);
		/* the content was never asked for */
		assert_int_equal(atomic_load(&c.requests), 1);
		tu_server_stop(&c);
	}
	DIR *d = opendir(".");
	assert_non_null(d);
	int entries = 0;
	for (struct dirent *e; (e = readdir(d));)
		entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	assert_int_equal(entries, 0);
	assert_int_equal(chdir(here), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* A new temporary directory, made the current one; its path in dir, the old one in here. */
static void enter_temp_dir(char *dir, size_t size, char *here, size_t here_size)
{
	assert_non_null(getcwd(here, here_size));
	snprintf(dir, size, "/tmp/tfy-tty-fit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
}

/*
 * At 80 columns every line tfy-batches prints on the terminal fits: list's
 * table and its "more available" footer (the cursor whole, on a line of its
 * own), the --summary line (wrapped), run's progress and summary, the
 * results table, get's table with the batch's file ids, a file's table,
 * and the errors of a failed batch.  Ids are never cut.
 */
static void test_every_line_fits_80_columns(void **state)
{
	fixture *f = *state;
	json_t *ids = page_ids(f);
	const char *last = json_string_value(json_array_get(ids, 4));
	int status;
	char *shown = pty_run_status(f->url, 80, (const char *const[]){ "NO_COLOR=1", NULL },
	                             (const char *const[]){ "--limit", "5", NULL }, 1, &status);
	assert_int_equal(status, 0);
	print_message("%s", shown);
	assert_fits(shown, 80);
	char want[128];
	snprintf(want, sizeof(want), "\n  --after %s\n", last);
	assert_non_null(strstr(shown, "5 batches, more available"));
	assert_non_null(strstr(shown, want));
	free(shown);
	json_decref(ids);

	shown = pty_run_status(f->url, 80, NULL,
	                       (const char *const[]){ "--all", "--limit", "100", "--summary", NULL },
	                       1, &status);
	assert_int_equal(status, 0);
	assert_fits(shown, 80);
	assert_non_null(strstr(shown, "summary: 25")); /* 250 and those the tests created */
	free(shown);

	char dir[64], here[4096];
	enter_temp_dir(dir, sizeof(dir), here, sizeof(here));
	FILE *in = fopen("input.jsonl", "wb");
	assert_non_null(in);
	fputs("{\"custom_id\":\"one\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
	      "\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n"
	      "{\"custom_id\":\"fail-two\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
	      "\"body\":{\"model\":\"m\",\"messages\":[]}}\n",
	      in);
	fclose(in);
	shown = pty_run_status(f->url, 80, NULL,
	                       (const char *const[]){ "run", "input.jsonl", "-o", "out", NULL }, 1,
	                       &status);
	print_message("%s", shown);
	assert_int_equal(status, 0);
	assert_fits(shown, 80);
	/* run is a job: its summary names the merged files; the batch is in its journal */
	const char *id_line = strstr(shown, "\nID ");
	assert_non_null(id_line);
	assert_non_null(strstr(shown, "out/output.jsonl"));
	assert_non_null(strstr(shown, "out/errors.jsonl"));
	free(shown);
	char output[256] = "out/output.jsonl", errors[256] = "out/errors.jsonl", id[128] = "";
	FILE *journal = fopen("out/journal", "r");
	assert_non_null(journal);
	for (char line[1024]; fgets(line, sizeof(line), journal);) {
		const char *b = strncmp(line, "created ", 8) == 0 ? strstr(line, " batch=") : NULL;
		if (b)
			snprintf(id, sizeof(id), "%.*s", (int)strcspn(b + 7, " \t\n"), b + 7);
	}
	fclose(journal);
	assert_true(strncmp(id, "batch_", 6) == 0);

	const char *const *runs[] = {
		(const char *const[]){ "results", output, NULL },
		(const char *const[]){ "results", errors, NULL },
		(const char *const[]){ "get", id, NULL },
		(const char *const[]){ "files", "upload", "input.jsonl", NULL },
	};
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		shown = pty_run_status(f->url, 80, NULL, runs[i], 1, &status);
		print_message("%s", shown);
		assert_int_equal(status, 0);
		assert_fits(shown, 80);
		free(shown);
	}
	shown = pty_run(f->url, 80, NULL, (const char *const[]){ "results", output, NULL });
	assert_non_null(strstr(shown, "\none "));
	free(shown);
	shown = pty_run(f->url, 80, NULL, (const char *const[]){ "get", id, NULL });
	assert_non_null(strstr(shown, "\nOUTPUT_FILE  file-"));
	assert_non_null(strstr(shown, "\nERROR_FILE   file-"));
	free(shown);

	/* a failed batch: its errors on stderr, each line cut to the width */
	in = fopen("dups.jsonl", "wb");
	assert_non_null(in);
	for (int i = 0; i < 30; i++)
		fputs("{\"custom_id\":\"same\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
		      "\"body\":{\"model\":\"m\",\"messages\":[]}}\n",
		      in);
	fclose(in);
	char *file = printed_id((const char *const[]){ "files", "upload", "dups.jsonl", NULL }, f->url);
	char *failed = printed_id((const char *const[]){ "create", "--input-file-id", file,
	                                                 "--endpoint", "/v1/chat/completions", NULL },
	                          f->url);
	shown = pty_run_status(f->url, 80, NULL, (const char *const[]){ "wait", failed, NULL }, 1,
	                       &status);
	print_message("%s", shown);
	assert_int_equal(status, 10);
	assert_fits(shown, 80);
	assert_non_null(strstr(shown, "the batch failed with 29 errors; the first 20:"));
	assert_non_null(strstr(shown, "\n  line 2: duplicate_custom_id: The custom_id"));
	assert_non_null(strstr(shown, "...\n"));
	free(shown);
	free(failed);
	free(file);

	assert_int_equal(chdir(here), 0);
	tu_remove_tree(dir);
}

/* stdout of a tfy-batches run that must succeed, off a terminal, in a new string. */
static char *run_stdout(const char *const *args, const char *url)
{
	const char *argv[16] = { getenv("TFY_BATCHES") };
	size_t n = 1;
	for (size_t i = 0; args[i] && n < 14; i++)
		argv[n++] = args[i];
	char base[200];
	snprintf(base, sizeof(base), "--base-url=%s", url);
	argv[n++] = base;
	const char *env[] = { "TFY_API_KEY=" KEY, NULL };
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	assert_int_equal(r.status, 0);
	char *out = strdup(r.out);
	assert_non_null(out);
	tu_run_free(&r);
	return out;
}

/* A date as the tables show it: 2024-05-01T14:03:00+02:00. */
static int has_iso_date(const char *s)
{
	regex_t re;
	assert_int_equal(regcomp(&re,
	                         "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
	                         "[+-][0-9]{2}:[0-9]{2}",
	                         REG_EXTENDED | REG_NOSUB),
	                 0);
	int found = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return found;
}

/*
 * files list on a terminal: the table fits 80 columns (FILENAME narrowed,
 * then columns dropped), the ids whole, the footer counting files; on a
 * wide one CREATED_AT is an ISO 8601 date.  -q prints the ids alone, one
 * a line, those of the json listing in its order.
 */
static void test_files_list_fits_and_quiet(void **state)
{
	fixture *f = *state;
	char dir[64], here[4096];
	enter_temp_dir(dir, sizeof(dir), here, sizeof(here));
	static const char name[] = "an-input-file-with-a-name-long-enough-to-be-narrowed.jsonl";
	FILE *in = fopen(name, "wb");
	assert_non_null(in);
	fputs("{\"custom_id\":\"one\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
	      "\"body\":{\"model\":\"m\",\"messages\":[]}}\n",
	      in);
	fclose(in);
	char *ids[3];
	for (size_t i = 0; i < 3; i++)
		ids[i] = printed_id((const char *const[]){ "files", "upload", name, NULL }, f->url);

	int status;
	char *shown = pty_run_status(f->url, 80, (const char *const[]){ "NO_COLOR=1", NULL },
	                             (const char *const[]){ "files", "list", "--limit", "2", NULL },
	                             1, &status);
	print_message("%s", shown);
	assert_int_equal(status, 0);
	assert_fits(shown, 80);
	assert_true(strncmp(shown, "ID  ", 4) == 0);
	assert_non_null(strstr(shown, "\n2 files, more available"));
	assert_null(strstr(shown, "batches"));
	free(shown);

	shown = pty_run(f->url, 80, NULL, (const char *const[]){ "files", "list", "--all", NULL });
	assert_fits(shown, 80);
	for (size_t i = 0; i < 3; i++) {
		char row[160];
		snprintf(row, sizeof(row), "\n%s ", ids[i]);
		if (!strstr(shown, row))
			fail_msg("%s not whole in:\n%s", ids[i], shown);
	}
	free(shown);
	shown = pty_run(f->url, 200, NULL, (const char *const[]){ "files", "list", "--all", NULL });
	assert_non_null(strstr(shown, "CREATED_AT"));
	assert_non_null(strstr(shown, "an-input-file-with-a-name-long-enough")); /* cut at 48 */
	assert_true(has_iso_date(shown));
	free(shown);

	/* -q on the terminal: the ids alone, as the json listing has them */
	shown = pty_run(f->url, 80, NULL,
	                (const char *const[]){ "files", "list", "--all", "-q", NULL });
	char *listed = run_stdout((const char *const[]){ "files", "list", "--all", "--format",
	                                                 "json", NULL },
	                          f->url);
	json_error_t jerr;
	json_t *list = json_loads(listed, 0, &jerr);
	assert_non_null(list);
	json_t *data = json_object_get(list, "data");
	assert_true(json_array_size(data) >= 3);
	size_t len = 0;
	char want[65536];
	for (size_t i = 0; i < json_array_size(data); i++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s\n",
		                        json_string_value(
						json_object_get(json_array_get(data, i), "id")));
	assert_true(len < sizeof(want));
	assert_string_equal(shown, want);
	json_decref(list);
	free(listed);
	free(shown);
	for (size_t i = 0; i < 3; i++)
		free(ids[i]);
	assert_int_equal(remove(name), 0);
	assert_int_equal(chdir(here), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- the progress line of a transfer ------------------------------------------ */

#define DRIP_PIECES 12
#define DRIP_PIECE 25000
#define DRIP_BYTES (DRIP_PIECES * DRIP_PIECE)

/* A request's body, read in pieces 5 ms apart (an upload that takes a while). */
static void read_slowly(int fd, const char *head, size_t have)
{
	char length[32] = "0";
	tu_head_value(head, "\r\nContent-Length: ", length, sizeof(length));
	if (tu_strcasestr(head, "\r\nExpect: 100-continue"))
		tu_send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	const char *end = strstr(head, "\r\n\r\n");
	long long left = atoll(length) - (long long)(have - (size_t)(end + 4 - head));
	static char buf[32768];
	while (left > 0) {
		ssize_t n = read(fd, buf, left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n <= 0)
			return;
		left -= n;
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	}
}

/*
 * A files server slow enough to show progress: file-p's File object
 * (DRIP_BYTES), its content dripped over ~0.5 s, and uploads read slowly
 * and answered with file-p.
 */
static void slow_files(tu_server *s, int fd)
{
	(void)s;
	static char head[65536];
	size_t have = 0;
	for (;;) {
		ssize_t n = read(fd, head + have, sizeof(head) - 1 - have);
		if (n <= 0)
			return;
		have += (size_t)n;
		head[have] = '\0';
		if (strstr(head, "\r\n\r\n") || have == sizeof(head) - 1)
			break;
	}
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"id\":\"file-p\",\"object\":\"file\",\"bytes\":%d,\"created_at\":1700000000,"
	         "\"filename\":\"in.jsonl\",\"purpose\":\"batch\",\"status\":\"processed\"}",
	         DRIP_BYTES);
	if (strncmp(head, "POST ", 5) == 0) {
		read_slowly(fd, head, have);
		tu_send_answer(fd, 200, NULL, body, strlen(body));
	} else if (strstr(head, "/content HTTP/1.1\r\n")) {
		char answer[256];
		int n = snprintf(answer, sizeof(answer),
		                 "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		                 DRIP_BYTES);
		tu_send_all(fd, answer, (size_t)n);
		static char piece[DRIP_PIECE];
		memset(piece, 'x', sizeof(piece));
		for (int i = 0; i < DRIP_PIECES; i++) {
			tu_send_all(fd, piece, sizeof(piece));
			if (!tu_pause_ms(fd, 40))
				return;
		}
	} else {
		tu_send_answer(fd, 200, NULL, body, strlen(body));
	}
}

/* The last line of shown that a line feed ends (the final line), in a new string. */
static char *last_line(const char *shown)
{
	const char *end = strrchr(shown, '\n');
	assert_non_null(end);
	const char *start = end;
	while (start > shown && start[-1] != '\n')
		start--;
	return strndup(start, (size_t)(end - start));
}

/*
 * files download and files upload on a terminal of 80 columns: one line on
 * stderr, rewritten in place ("\r" and erase), with the name, the
 * percentage, the bytes and the rate, never wider than the terminal,
 * ending in a line that says what was saved where.  With stderr a pipe
 * nothing of it is written; with -q neither.
 */
static void test_transfer_progress_line(void **state)
{
	(void)state;
	char dir[64], here[4096];
	enter_temp_dir(dir, sizeof(dir), here, sizeof(here));
	FILE *in = fopen("in.jsonl", "wb");
	assert_non_null(in);
	for (int i = 0; i < 60000; i++)
		fputs("{\"custom_id\":\"x\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\"}\n",
		      in);
	fclose(in);
	tu_server s;
	tu_server_start(&s, slow_files, NULL, 0);

	int status;
	char *shown = pty_run_status(s.base, 80, NULL,
	                             (const char *const[]){ "files", "download", "file-p", "-o",
	                                                    "a-rather-long-name-for-the-output-file-"
	                                                    "of-this-batch.jsonl",
	                                                    NULL },
	                             1, &status);
	print_message("%s\n", shown);
	assert_int_equal(status, 0);
	assert_fits(shown, 80);
	assert_non_null(strstr(shown, "\r\033[Kdownloading a-rather-long"));
	assert_non_null(strstr(shown, "% "));
	assert_non_null(strstr(shown, " / 293.0 KiB"));
	assert_non_null(strstr(shown, "KiB/s"));
	/* what was saved where: the name whole, on a line of its own when the line is too wide */
	assert_non_null(strstr(shown, "\r\033[Ktfy-batches: saved 293.0 KiB in "));
	char *last = last_line(shown);
	assert_string_equal(last, "  a-rather-long-name-for-the-output-file-of-this-batch.jsonl");
	free(last);
	/* the progress line and the final one: two line feeds, none before */
	assert_true(strchr(shown, '\n') == strstr(shown, " to\n  a-rather") + 3);
	free(shown);

	shown = pty_run_status(s.base, 80, (const char *const[]){ "NO_COLOR=1", NULL },
	                       (const char *const[]){ "files", "upload", "in.jsonl", NULL }, 1,
	                       &status);
	print_message("%s\n", shown);
	assert_int_equal(status, 0);
	assert_fits(shown, 80);
	assert_non_null(strstr(shown, "\r\033[Kuploading in.jsonl  "));
	assert_non_null(strstr(shown, "\r\033[Ktfy-batches: uploaded "));
	assert_non_null(strstr(shown, "/s) from in.jsonl as file-p\n"));
	free(shown);

	/* -q: the id alone, no line */
	shown = pty_run_status(s.base, 80, NULL,
	                       (const char *const[]){ "files", "upload", "in.jsonl", "-q", NULL },
	                       1, &status);
	assert_int_equal(status, 0);
	assert_string_equal(shown, "file-p\n");
	free(shown);

	/* stderr a pipe: nothing on it */
	const char *const *runs[] = {
		(const char *const[]){ "files", "download", "file-p", "-o", "b.jsonl", NULL },
		(const char *const[]){ "files", "upload", "in.jsonl", NULL },
	};
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		const char *argv[16] = { getenv("TFY_BATCHES") };
		size_t n = 1;
		for (size_t j = 0; runs[i][j]; j++)
			argv[n++] = runs[i][j];
		char base[200];
		snprintf(base, sizeof(base), "--base-url=%s", s.base);
		argv[n++] = base;
		const char *env[] = { "TFY_API_KEY=" KEY, "TERM=xterm", NULL };
		tu_run r;
		assert_int_equal(tu_run_cmd(argv, env, &r), 0);
		assert_int_equal(r.status, 0);
		assert_string_equal(r.err, "");
		tu_run_free(&r);
	}
	tu_server_stop(&s);
	assert_int_equal(chdir(here), 0);
	tu_remove_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_fits_the_terminal),
		cmocka_unit_test(test_transfer_progress_line),
		cmocka_unit_test(test_full_table_off_a_terminal),
		cmocka_unit_test(test_colour_rules),
		cmocka_unit_test(test_all_aligned_across_pages),
		cmocka_unit_test(test_wait_progress_line),
		cmocka_unit_test(test_download_refuses_foreign_names),
		cmocka_unit_test(test_every_line_fits_80_columns),
		cmocka_unit_test(test_files_list_fits_and_quiet),
	};
	return cmocka_run_group_tests_name("cli_tty", tests, setup, tu_gateway_teardown);
}
