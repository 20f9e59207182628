// SPDX-License-Identifier: MIT
/*
 * bpfstab real-load harness: load every program of every given BPF object,
 * one program at a time, into the running kernel and report the outcome as
 * JSON lines on stdout.
 *
 * usage: loader [--prog-type SEC=TYPE]... [--fixup-maps] [--debug] [--timeout SECS] OBJ...
 *
 * For each object: open it once to enumerate its programs (a line with
 * "program": null is emitted if the open fails), then for each program
 * re-open the object, disable autoload on every other program, call
 * bpf_object__load() and report success/failure together with the tail of
 * everything libbpf printed (libbpf prints the verifier log itself when a
 * program load fails: it retries the load with log_level=1 and a growing
 * buffer, so the verdict is never changed by a too-small log buffer).
 *
 * Every object is processed in a forked child so that a crash or a hang
 * (verifier taking forever under TCG) in one object cannot stop the others.
 *
 * Built statically against libbpf 1.7 by build.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#define LOG_TAIL_LINES 40
#define LOG_TAIL_MAX_LINE 400

struct prog_type_override {
	const char *sec;
	enum bpf_prog_type type;
};

static struct prog_type_override overrides[64];
static int n_overrides;
static bool opt_debug;
static bool opt_fixup_maps;
static unsigned int opt_timeout = 600;
static char kernel_release[256];

/* ---- libbpf print capture ------------------------------------------------ */

static char *logbuf;
static size_t log_len, log_cap;
static char first_warn[512];

static void log_append(const char *s, size_t n)
{
	if (log_len + n + 1 > log_cap) {
		size_t cap = log_cap ? log_cap : 65536;
		char *p;

		while (log_len + n + 1 > cap)
			cap *= 2;
		p = realloc(logbuf, cap);
		if (!p)
			return;
		logbuf = p;
		log_cap = cap;
	}
	memcpy(logbuf + log_len, s, n);
	log_len += n;
	logbuf[log_len] = '\0';
}

static void log_reset(void)
{
	log_len = 0;
	if (logbuf)
		logbuf[0] = '\0';
	first_warn[0] = '\0';
}

static int print_cb(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char stackbuf[4096], *msg = stackbuf;
	va_list aq;
	int n;

	if (level == LIBBPF_DEBUG && !opt_debug)
		return 0;
	va_copy(aq, ap);
	n = vsnprintf(stackbuf, sizeof(stackbuf), fmt, aq);
	va_end(aq);
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(stackbuf)) {
		/* the verifier log is printed as one (possibly huge) message */
		msg = malloc((size_t)n + 1);
		if (!msg)
			return 0;
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
	}
	if (level == LIBBPF_WARN && !first_warn[0]) {
		size_t l = strcspn(msg, "\n");

		if (l >= sizeof(first_warn))
			l = sizeof(first_warn) - 1;
		memcpy(first_warn, msg, l);
		first_warn[l] = '\0';
	}
	log_append(msg, (size_t)n);
	if (msg != stackbuf)
		free(msg);
	return 0;
}

/* Return a malloc'ed string holding the last LOG_TAIL_LINES lines of the log,
 * each line truncated to LOG_TAIL_MAX_LINE bytes. */
static char *log_tail(void)
{
	const char *start, *p;
	size_t len = log_len;
	int lines = 0;
	char *out, *o;

	if (!logbuf || !len)
		return strdup("");
	while (len && (logbuf[len - 1] == '\n' || logbuf[len - 1] == '\0'))
		len--;
	p = logbuf + len;
	start = logbuf;
	while (p > logbuf) {
		p--;
		if (*p == '\n' && ++lines >= LOG_TAIL_LINES) {
			start = p + 1;
			break;
		}
	}
	out = malloc(len - (size_t)(start - logbuf) + 1);
	if (!out)
		return strdup("");
	o = out;
	for (p = start; p < logbuf + len;) {
		const char *eol = memchr(p, '\n', (size_t)(logbuf + len - p));
		size_t l = eol ? (size_t)(eol - p) : (size_t)(logbuf + len - p);
		size_t c = l > LOG_TAIL_MAX_LINE ? LOG_TAIL_MAX_LINE : l;

		memcpy(o, p, c);
		o += c;
		if (c < l) {
			memcpy(o, "...", 3);
			o += 3;
		}
		if (eol)
			*o++ = '\n';
		p += l + (eol ? 1 : 0);
	}
	*o = '\0';
	return out;
}

/* ---- JSON output ----------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	const unsigned char *p;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			/* control chars and non-ASCII bytes (treated as Latin-1 so
			 * that the output is always valid UTF-8 JSON) */
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

struct result {
	const char *object;
	const char *program;
	const char *section;
	const char *prog_type;
	const char *attach_type;
	bool loaded;
	int err;	/* positive errno-style code, 0 on success */
	const char *error;
	size_t insns;
	double ms;
	const char *stage;	/* "open", "load", "crash", "timeout" */
	const char *fixed_maps;	/* --fixup-maps: maps given max_entries */
};

static void emit(const struct result *r)
{
	char *tail = log_tail();
	FILE *f = stdout;

	fputs("{\"object\": ", f);
	json_str(f, r->object);
	fputs(", \"program\": ", f);
	json_str(f, r->program);
	fputs(", \"section\": ", f);
	json_str(f, r->section);
	fputs(", \"prog_type\": ", f);
	json_str(f, r->prog_type);
	fputs(", \"attach_type\": ", f);
	json_str(f, r->attach_type);
	fprintf(f, ", \"loaded\": %s, \"errno\": %d, \"error\": ",
		r->loaded ? "true" : "false", r->err);
	json_str(f, r->error);
	fputs(", \"stage\": ", f);
	json_str(f, r->stage);
	fprintf(f, ", \"insns\": %zu, \"ms\": %.1f, \"kernel\": ", r->insns, r->ms);
	json_str(f, kernel_release);
	fprintf(f, ", \"libbpf\": \"%u.%u\", \"first_warn\": ",
		libbpf_major_version(), libbpf_minor_version());
	json_str(f, first_warn[0] ? first_warn : NULL);
	if (opt_fixup_maps) {
		fputs(", \"fixed_maps\": ", f);
		json_str(f, r->fixed_maps && r->fixed_maps[0] ? r->fixed_maps : NULL);
	}
	fputs(", \"log\": ", f);
	json_str(f, tail);
	fputs("}\n", f);
	fflush(f);
	free(tail);
}

/* ---- loading --------------------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *errstr(int err, char *buf, size_t sz)
{
	if (libbpf_strerror(err, buf, sz))
		snprintf(buf, sz, "%s", strerror(err));
	return buf;
}

static const char *attach_type_str(const struct bpf_program *prog)
{
	enum bpf_attach_type at = bpf_program__expected_attach_type(prog);
	enum bpf_prog_type pt = bpf_program__type(prog);

	/* 0 is BPF_CGROUP_INET_INGRESS but is also "not set" */
	if (at == 0 && pt != BPF_PROG_TYPE_CGROUP_SKB)
		return NULL;
	return libbpf_bpf_attach_type_str(at);
}

static struct bpf_object *open_obj(const char *path, int *err)
{
	struct bpf_object *obj;

	obj = bpf_object__open_file(path, NULL);
	*err = obj ? 0 : (errno ? errno : EINVAL);
	if (!obj)
		return NULL;
	return obj;
}

/*
 * --fixup-maps: maps whose max_entries is 0 in the object are sized by the
 * tool's user space at run time (bpf_map__set_max_entries: pid_max, number
 * of CPUs, ...).  Give them a small valid size so that the program verdict
 * is not masked by a map-creation EINVAL (stack-trace maps with value_size 0
 * get the default perf_event_max_stack depth, 127 * 8 bytes).  Map types for which 0 is the
 * only valid value (local storages) and types libbpf sizes itself
 * (perf_event_array) are left alone.  Returns the number of maps changed and
 * lists their names in *names.
 */
static int fixup_maps(struct bpf_object *obj, char *names, size_t sz)
{
	struct bpf_map *map;
	int n = 0;

	names[0] = '\0';
	bpf_object__for_each_map(map, obj) {
		int t = (int)bpf_map__type(map);
		__u32 want = 1;
		size_t l;

		/* stack maps: user space sets value_size = stack depth * 8 */
		if (t == BPF_MAP_TYPE_STACK_TRACE && bpf_map__value_size(map) == 0)
			bpf_map__set_value_size(map, 127 * sizeof(__u64));
		if (bpf_map__max_entries(map) != 0)
			continue;
		switch (t) {
		case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		case BPF_MAP_TYPE_SK_STORAGE:
		case BPF_MAP_TYPE_INODE_STORAGE:
		case BPF_MAP_TYPE_TASK_STORAGE:
		case 32: /* BPF_MAP_TYPE_CGRP_STORAGE (newer than the build host uapi) */
		case BPF_MAP_TYPE_CGROUP_STORAGE:
		case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		case BPF_MAP_TYPE_STRUCT_OPS:
			continue;
		case BPF_MAP_TYPE_RINGBUF:
		case BPF_MAP_TYPE_USER_RINGBUF:
			want = (__u32)sysconf(_SC_PAGESIZE);
			break;
		default:
			break;
		}
		if (bpf_map__set_max_entries(map, want))
			continue;
		l = strlen(names);
		snprintf(names + l, sz - l, "%s%s", n ? "," : "", bpf_map__name(map));
		n++;
	}
	return n;
}

static void apply_overrides(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);

		for (int i = 0; i < n_overrides; i++)
			if (!strcmp(sec, overrides[i].sec))
				bpf_program__set_type(prog, overrides[i].type);
	}
}

static int process_object(const char *path)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	char ebuf[256];
	char **names = NULL;
	int nprogs = 0, err;
	double t0 = now_ms();

	log_reset();
	obj = open_obj(path, &err);
	if (!obj) {
		struct result r = {
			.object = path, .loaded = false, .err = err,
			.error = errstr(err, ebuf, sizeof(ebuf)),
			.stage = "open", .ms = now_ms() - t0,
		};
		emit(&r);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		char **n = realloc(names, sizeof(*names) * (nprogs + 1));

		if (!n)
			break;
		names = n;
		names[nprogs++] = strdup(bpf_program__name(prog));
	}
	bpf_object__close(obj);

	if (nprogs == 0) {
		struct result r = {
			.object = path, .loaded = false, .err = ENOENT,
			.error = "object has no programs", .stage = "open",
			.ms = now_ms() - t0,
		};
		emit(&r);
	}

	for (int i = 0; i < nprogs; i++) {
		struct bpf_program *target = NULL;
		struct result r = { .object = path, .program = names[i] };
		char fixed[1024];

		log_reset();
		t0 = now_ms();
		obj = open_obj(path, &err);
		if (!obj) {
			/* opened fine the first time; should not happen */
			r.err = err;
			r.error = errstr(err, ebuf, sizeof(ebuf));
			r.stage = "open";
			r.ms = now_ms() - t0;
			emit(&r);
			continue;
		}
		apply_overrides(obj);
		if (opt_fixup_maps) {
			fixup_maps(obj, fixed, sizeof(fixed));
			r.fixed_maps = fixed;
		}
		bpf_object__for_each_program(prog, obj) {
			bool me = !target && !strcmp(bpf_program__name(prog), names[i]);

			if (me)
				target = prog;
			bpf_program__set_autoload(prog, me);
		}
		if (!target) {
			r.err = ENOENT;
			r.error = "program vanished on re-open";
			r.stage = "open";
			emit(&r);
			bpf_object__close(obj);
			continue;
		}
		r.section = bpf_program__section_name(target);
		r.prog_type = libbpf_bpf_prog_type_str(bpf_program__type(target));
		r.attach_type = attach_type_str(target);
		r.insns = bpf_program__insn_cnt(target);
		err = bpf_object__load(obj);
		r.ms = now_ms() - t0;
		r.stage = "load";
		if (err) {
			err = err < 0 ? -err : err;
			r.err = err;
			r.error = errstr(err, ebuf, sizeof(ebuf));
		} else {
			r.loaded = true;
			/* insn count after relocation / kernel-feature fixups */
			r.insns = bpf_program__insn_cnt(target);
		}
		/* section/name strings belong to obj: emit before closing */
		emit(&r);
		bpf_object__close(obj);
	}
	for (int i = 0; i < nprogs; i++)
		free(names[i]);
	free(names);
	return 0;
}

static int parse_prog_type(const char *name, enum bpf_prog_type *out)
{
	for (int t = 0; t < 256; t++) {
		const char *s = libbpf_bpf_prog_type_str((enum bpf_prog_type)t);

		if (s && !strcmp(s, name)) {
			*out = (enum bpf_prog_type)t;
			return 0;
		}
	}
	return -1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: loader [--prog-type SEC=TYPE]... [--fixup-maps] [--debug] [--timeout SECS] OBJ...\n"
		"  --prog-type SEC=TYPE  program type for section SEC (e.g. tun_rss_steering=socket_filter)\n"
		"  --fixup-maps          give maps with max_entries 0 a small valid size\n"
		"  --debug               include libbpf debug messages in the captured log\n"
		"  --timeout SECS        per-object time limit (default 600, 0 = none)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct utsname uts;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	int i, rc = 0;

	if (uname(&uts) == 0)
		snprintf(kernel_release, sizeof(kernel_release), "%s", uts.release);
	/* kernels before 5.11 charge BPF memory against RLIMIT_MEMLOCK */
	setrlimit(RLIMIT_MEMLOCK, &rl);

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--prog-type") && i + 1 < argc) {
			char *spec = strdup(argv[++i]), *eq = strrchr(spec, '=');

			if (!eq || n_overrides >= (int)(sizeof(overrides) / sizeof(overrides[0])))
				usage();
			*eq = '\0';
			overrides[n_overrides].sec = spec;
			if (parse_prog_type(eq + 1, &overrides[n_overrides].type)) {
				fprintf(stderr, "loader: unknown program type '%s'\n", eq + 1);
				exit(2);
			}
			n_overrides++;
		} else if (!strcmp(argv[i], "--fixup-maps")) {
			opt_fixup_maps = true;
		} else if (!strcmp(argv[i], "--debug")) {
			opt_debug = true;
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			opt_timeout = (unsigned int)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			usage();
		} else {
			break;
		}
	}
	if (i >= argc)
		usage();
	libbpf_set_print(print_cb);

	for (; i < argc; i++) {
		const char *path = argv[i];
		pid_t pid;
		int status;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			if (opt_timeout)
				alarm(opt_timeout);
			_exit(process_object(path));
		}
		if (pid < 0) {
			rc |= process_object(path);	/* no fork: do it inline */
			continue;
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(status)) {
			int sig = WTERMSIG(status);
			char msg[128];
			struct result r = {
				.object = path, .loaded = false, .err = 0,
				.stage = sig == SIGALRM ? "timeout" : "crash",
			};

			snprintf(msg, sizeof(msg), "loader child %s (signal %d: %s)",
				 sig == SIGALRM ? "timed out" : "crashed", sig, strsignal(sig));
			r.error = msg;
			log_reset();
			emit(&r);
			rc |= 1;
		} else if (WIFEXITED(status)) {
			rc |= WEXITSTATUS(status);
		}
	}
	return rc ? 1 : 0;
}
